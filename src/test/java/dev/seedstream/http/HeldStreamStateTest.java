package dev.seedstream.http;

import dev.seedstream.support.Await;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an idle /api event stream keeps while the upstream has sent its head and nothing else, the state that
 * thousands of held streams multiply. Counted in the live-object histogram (the JVM's own, after a full
 * collection), as differences over a number of held streams, so other objects of this JVM do not count.
 */
@DisplayName("State an idle event stream holds")
class HeldStreamStateTest extends GatewayTestBase {

  static final int STREAMS = 20;

  @Test
  @DisplayName("a held stream keeps no request-body reader, no cross-thread write queue on its client connection, no body deadline, one timer for its upstream call, no WebSocket handler")
  void heldStreamsKeepOnlyWhatTheyUse() throws Exception {
    startGateway(Map.of());
    Map<String, Long> before = liveInstances();
    List<SseTestClient> clients = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      SseTestClient client = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations",
        null, Buffer.buffer(GatewayEndToEndTest.BODY)));
      clients.add(client);
      Await.result(client.event(0));
      Await.result(fake.exchange(i)).streamHead();
    }
    Map<String, Long> held = liveInstances();

    assertThat(grown(before, held, "dev.seedstream.http.JsonBodyReader$Reading"))
      .as("request-body readers kept after their bodies ended").isZero();
    // One multi-producer write queue per connection that has one. Per held stream this JVM has three such
    // connections besides the gateway's client side: the test's client, the gateway's upstream connection and
    // the fake upstream's server side. The gateway writes on its event loop only, so its client connections
    // have none (Vert.x allocates each with a 1024-slot array: 4.6 KiB per stream). A connection or two more
    // that are nobody's stream (a pooled one of the test's own client) may come and go meanwhile.
    assertThat(grown(before, held, "io.vertx.core.streams.impl.MessagePassingQueue$MpSc"))
      .as("write queues for " + STREAMS + " held streams").isBetween(3L * STREAMS, 3L * STREAMS + 2);
    // A held stream's timers: one for the upstream call's deadlines (total, first event and idle share it) and
    // the heartbeat. Its request's body deadline is met once the body has been read and must not stay scheduled
    // for minutes.
    assertThat(grown(before, held, "io.vertx.core.impl.VertxImpl$InternalTimerHandler"))
      .as("timers for " + STREAMS + " held streams").isBetween(2L * STREAMS, 2L * STREAMS + 2);
    // The gateway has no WebSocket endpoint, so its connections carry no WebSocket compression handler. The fake
    // upstream's server keeps Vert.x's defaults: one per held stream is its side of the upstream connection.
    assertThat(grown(before, held, "io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler"))
      .as("WebSocket extension handlers for " + STREAMS + " held streams").isBetween((long) STREAMS, STREAMS + 2L);
    clients.forEach(SseTestClient::close);
  }

  static long grown(Map<String, Long> before, Map<String, Long> after, String className) {
    return after.getOrDefault(className, 0L) - before.getOrDefault(className, 0L);
  }

  /** Live instances per class, after a full collection (what {@code jcmd GC.class_histogram} prints). */
  static Map<String, Long> liveInstances() throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
      new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
      new Object[] {new String[0]}, new String[] {String[].class.getName()});
    Map<String, Long> counts = new java.util.HashMap<>();
    Matcher row = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+)").matcher(histogram);
    while (row.find()) {
      counts.merge(row.group(2), Long.parseLong(row.group(1)), Long::sum);
    }
    return counts;
  }
}
