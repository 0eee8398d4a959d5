package dev.seedstream.cluster;

import dev.seedstream.config.ClusterSettings;
import dev.seedstream.support.Await;
import dev.seedstream.support.GatewayProcess;
import dev.seedstream.upstream.InlineImage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cluster's copy of a job's log, on a real one-member Hazelcast cluster in this JVM: frames reach readers
 * only once committed, images come back with their frames, and a lost owner's log gets exactly one end.
 */
@DisplayName("Cluster job journal: committed frames only, images by reference, one end for a lost owner")
class JobJournalTest {

  private static ClusterNode node;
  private static Context context;
  private static JobJournal journal;

  @BeforeAll
  static void startMember() {
    int port = GatewayProcess.freePort();
    node = Await.result(ClusterNode.start(new ClusterSettings(true, "127.0.0.1", port, List.of("127.0.0.1:" + port),
      "journal-test-secret-0123456789abcdef"), new VertxOptions(), 600), 60_000);
    context = node.vertx().getOrCreateContext();
    journal = on(() -> new JobJournal(node, 600_000));
  }

  @AfterAll
  static void stopMember() {
    Await.result(node.vertx().close(), 30_000);
  }

  /** Runs {@code work} on the member's Vert.x context, as the gateway does, and returns what it returns. */
  private static <T> T on(Callable<T> work) {
    io.vertx.core.Promise<T> done = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(work.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return Await.result(done.future());
  }

  private static <T> T await(Callable<Future<T>> work) {
    return Await.result(on(work));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  @DisplayName("a frame is handed to readers only after its commit mark, with its image fetched by reference")
  void committedFramesOnly() {
    String job = "job-commit";
    String b64 = "/9j/4AAQSkZJRgABAQ==";
    await(() -> journal.append(job, 1, "started", ascii("id: 1\nevent: started\ndata: {}\n\n"), null));
    Future<JobJournal.Batch> read = on(() -> journal.read(job, 0));
    // A later write is answered after the read was registered: the read still has nothing committed to return.
    await(() -> journal.record(job));
    assertThat(read.isComplete()).as("an uncommitted frame is not handed on").isFalse();

    await(() -> journal.commit(job));
    JobJournal.Batch first = Await.result(read);
    assertThat(first.events()).extracting(JobJournal.LoggedEvent::id).containsExactly(1L);
    assertThat(first.next()).isEqualTo(2);

    await(() -> journal.append(job, 2, "image", ascii("id: 2\nevent: image\ndata: {\"b64_json\":\""), InlineImage.parse(b64)));
    await(() -> journal.commit(job));
    JobJournal.Batch second = await(() -> journal.read(job, first.next()));
    assertThat(second.events()).hasSize(1);
    assertThat(new String(second.events().get(0).image(), StandardCharsets.US_ASCII)).isEqualTo(b64);
    assertThat(second.next()).isEqualTo(4);
  }

  @Test
  @DisplayName("a lost owner's job gets one node_lost end, after its last frame even if that was never committed")
  void lostOwnerEndsOnce() {
    String job = "job-lost";
    await(() -> journal.describe(job, new JsonObject().put("id", job).put("status", "running").put("owner", "gone")));
    await(() -> journal.append(job, 1, "started", ascii("id: 1\nevent: started\ndata: {}\n\n"), null));
    await(() -> journal.commit(job));
    await(() -> journal.append(job, 2, "image", ascii("id: 2\nevent: image\ndata: {}\n\n"), null));

    JsonObject error = new JsonObject().put("code", "node_lost").put("message", "lost").put("retryable", true);
    boolean first = await(() -> journal.endLost(job, "gone", error, id -> ascii("id: " + id + "\nevent: error\ndata: {}\n\n")));
    boolean second = await(() -> journal.endLost(job, "gone", error, id -> ascii("id: " + id + "\nevent: error\ndata: {}\n\n")));
    assertThat(first).isTrue();
    assertThat(second).as("only one survivor ends it").isFalse();

    JobJournal.Batch all = await(() -> journal.read(job, 0));
    assertThat(all.events()).extracting(e -> e.id() + ":" + e.type()).containsExactly("1:started", "2:image", "3:error");
    JsonObject record = await(() -> journal.record(job));
    assertThat(record.getString("status")).isEqualTo("interrupted");
    assertThat(record.getJsonObject("error").getString("code")).isEqualTo("node_lost");
    assertThat(record.getLong("last_event_id")).isEqualTo(3);
  }
}
