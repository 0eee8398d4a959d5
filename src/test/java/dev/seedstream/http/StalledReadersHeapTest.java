package dev.seedstream.http;

import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestImages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of event streams whose clients never read, on one job with a large inline image: what they
 * cost the gateway's heap. Weighed in a JVM of its own (see the surefire configuration), as LargeJobTest is.
 */
@DisplayName("Stalled readers of a large inline image")
class StalledReadersHeapTest extends GatewayTestBase {

  static final int READERS = 3000;
  static final Pattern LISTENERS = Pattern.compile("seedstream_listeners ([0-9.E]+)");
  static final Pattern SENDING = Pattern.compile("seedstream_event_slices_sending_bytes ([0-9.E]+)");

  final List<Socket> readers = new ArrayList<>();

  @AfterEach
  void closeReaders() throws IOException {
    for (Socket reader : readers) {
      reader.close();
    }
    readers.clear();
  }

  @Test
  @DisplayName("3,000 readers that never read an 8 MiB b64_json job add less than 64 MB of heap")
  void stalledReadersShareTheFrame() throws IOException {
    long descriptors = ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
      .getMaxFileDescriptorCount();
    assertThat(descriptors).as("this test opens %d connections, two descriptors each in this JVM; raise `ulimit -n`"
      + " to at least 8192 before running it", READERS).isGreaterThanOrEqualTo(2L * READERS + 1000);
    startGateway(Map.of("SEEDSTREAM_WRITE_TIMEOUT_MS", "300000", "SEEDSTREAM_HEARTBEAT_MS", "300000",
      "SEEDSTREAM_ABANDON_MS", "300000", "SEEDSTREAM_RETENTION_MS", "300000"));
    String image = TestImages.jpegBase64(6 << 20, 7);
    assertThat(image.length()).isEqualTo(8 << 20);
    SseTestClient creator = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null,
      Buffer.buffer(EventBlocksTest.B64_BODY)));
    String id = new JsonObject(Await.result(creator.event(0)).event().data()).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().event("image_generation.partial_succeeded",
      new JsonObject().put("image_index", 0).put("b64_json", image).put("size", "4096x4096"));
    Await.result(creator.event(1), 30_000);
    creator.close();

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long before = heapAfterGc(memory);
    byte[] request = ("GET /api/generations/" + id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < READERS; i++) {
      Socket reader = new Socket();
      readers.add(reader);
      reader.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      reader.getOutputStream().write(request);
    }
    // Attaching a listener and its first writes (until its write queue is full) happen in one go on the
    // gateway's event loop, so once the gauge counts them all, each has written all it will until it drains.
    FaultCatalogTest.eventually(() -> listeners() == READERS + 0L, 300_000);
    long growth = heapAfterGc(memory) - before;
    long sending = gauge(SENDING);
    System.out.printf("%d stalled readers of an 8 MiB b64_json frame: heap growth after GC %.1f MB, slice copies in"
      + " flight %.1f MB%n", READERS, growth / 1e6, sending / 1e6);
    assertThat(growth).isLessThan(64L << 20);
    assertThat(sending).as("one copy of a slice for all readers, off the heap").isLessThanOrEqualTo(image.length() + 65_536L);

    // Gone with writes still queued: every shared copy is freed once its last write has failed.
    closeReaders();
    FaultCatalogTest.eventually(() -> listeners() == 0, 60_000);
    FaultCatalogTest.eventually(() -> gauge(SENDING) == 0, 60_000);
  }

  long gauge(Pattern pattern) {
    Matcher m = pattern.matcher(api.get("/metrics").body().toString());
    assertThat(m.find()).as("the gauge is published").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  long listeners() {
    // Generous: before the fix, the gateway's event loop spent a long time copying slices for every reader.
    Matcher m = LISTENERS.matcher(Await.result(api.call(HttpMethod.GET, "/metrics", null, null), 120_000).body().toString());
    assertThat(m.find()).as("the listener gauge is published").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  static long heapAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}
