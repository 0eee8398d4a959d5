package dev.seedstream.job;

import dev.seedstream.failure.ApiException;
import dev.seedstream.job.RecordingSink.Frame;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Job registry: ordered, replayable event logs, idempotent starts and bounded streams, without sockets")
class JobRegistryTest extends JobHarnessTest {


  private static List<Long> ids(RecordingSink sink) {
    return sink.frames().stream().map(Frame::id).toList();
  }

  @Test
  @DisplayName("events reach a listener in upstream order with ids 1..n, the terminal one last, and the stream then ends")
  void eventsInOrder() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    assertThat(h.upstream.count()).isEqualTo(1);
    assertThat(h.upstream.call(0).body().getString("prompt")).isEqualTo("a lighthouse");
    RecordingSink sink = h.attach(job, 0, "a");
    assertThat(sink.opened()).isTrue();
    h.image(0, 0);
    h.image(0, 1);
    h.run(() -> h.upstream.call(0).events().onImageFailed(2, "image_rejected", "not this one"));
    h.image(0, 3);
    h.completed(0);

    assertThat(sink.frames()).containsExactly(new Frame(1, "started"), new Frame(2, "image"), new Frame(3, "image"),
      new Frame(4, "image_failed"), new Frame(5, "image"), new Frame(6, "completed"));
    assertThat(sink.text()).containsSubsequence("images.test/0.jpeg", "images.test/1.jpeg", "not this one",
      "images.test/3.jpeg");
    assertThat(h.await(sink.finished())).isEqualTo("ended");
    assertThat(h.onLoop(job::status)).isEqualTo(JobStatus.COMPLETED);
    assertThat(h.onLoop(job::listenerCount)).isZero();
  }

  @Test
  @DisplayName("a listener that joins late, or after the end, gets the whole log first, in order, then what follows")
  void lateListenersReplay() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    RecordingSink early = h.attach(job, 0, "a");
    h.image(0, 0);
    RecordingSink late = h.attach(job, 0, "a");
    assertThat(ids(late)).containsExactly(1L, 2L);
    h.image(0, 1);
    h.completed(0);
    RecordingSink afterTheEnd = h.attach(job, 0, "a");

    assertThat(ids(early)).containsExactly(1L, 2L, 3L, 4L);
    assertThat(late.text()).isEqualTo(early.text());
    assertThat(afterTheEnd.text()).isEqualTo(early.text());
    assertThat(h.await(afterTheEnd.finished())).isEqualTo("ended");
  }

  @Test
  @DisplayName("resuming after Last-Event-ID sends only the later events, replayed then live")
  void replayAfterLastEventId() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    h.image(0, 0);
    h.image(0, 1);
    RecordingSink resumed = h.attach(job, 2, "a");
    assertThat(ids(resumed)).containsExactly(3L);
    h.image(0, 2);
    h.completed(0);
    assertThat(resumed.frames()).containsExactly(new Frame(3, "image"), new Frame(4, "image"), new Frame(5, "completed"));
    assertThat(resumed.text()).doesNotContain("images.test/0.jpeg");
    assertThat(h.await(resumed.finished())).isEqualTo("ended");
  }

  @Test
  @DisplayName("a Last-Event-ID ahead of the log skips every id up to it: only later ids are sent")
  void lastEventIdAheadOfTheLog() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    RecordingSink ahead = h.attach(job, 3, "a");
    assertThat(ahead.frames()).isEmpty();
    h.image(0, 0);
    h.image(0, 1);
    assertThat(ahead.frames()).as("ids 2 and 3 were asked to be skipped").isEmpty();
    h.image(0, 2);
    h.completed(0);
    assertThat(ids(ahead)).containsExactly(4L, 5L);
  }

  @Test
  @DisplayName("a stream resumed past the id its job ended at ends without a frame, its terminal event among those skipped")
  void lastEventIdPastTheEnd() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    RecordingSink ahead = h.attach(job, 9, "a");
    h.image(0, 0);
    h.completed(0);
    assertThat(h.await(ahead.finished())).isEqualTo("ended");
    assertThat(ahead.frames()).isEmpty();
    assertThat(h.onLoop(job::listenerCount)).isZero();
  }

  @Test
  @DisplayName("the same Idempotency-Key and body give the same job with one upstream call; another body gets 422")
  void idempotencyKey() {
    JobHarness h = start(Map.of());
    Job first = h.create("a", "key-1", JobHarness.request("a lighthouse", 4));
    Job again = h.create("a", "key-1", JobHarness.request("a lighthouse", 4));
    assertThat(again).isSameAs(first);
    assertThat(h.upstream.count()).isEqualTo(1);

    ApiException reused = h.refusal(() -> h.jobs.create(JobHarness.request("a harbour", 4), "a", "key-1"));
    assertThat(reused.status()).isEqualTo(422);
    assertThat(reused.code()).isEqualTo("idempotency_key_reused");
    assertThat(h.upstream.count()).as("no second paid call").isEqualTo(1);

    Job otherClient = h.create("b", "key-1", JobHarness.request("a harbour", 4));
    assertThat(otherClient).as("keys are scoped to their client").isNotSameAs(first);
    Job noKey = h.create("a", null, JobHarness.request("a lighthouse", 4));
    assertThat(noKey).isNotSameAs(first);
    assertThat(h.upstream.count()).isEqualTo(3);
  }

  @Test
  @DisplayName("over the gateway's running limit 503 overloaded, over a client's 429 rate_limited, before any upstream call")
  void runningLimits() {
    JobHarness h = start(Map.of("SEEDSTREAM_MAX_ACTIVE_JOBS", "3", "SEEDSTREAM_MAX_JOBS_PER_CLIENT", "2"));
    h.create("a");
    h.create("a");
    ApiException perClient = h.refusal(() -> h.jobs.create(JobHarness.request("p", 1), "a", null));
    assertThat(perClient.status()).isEqualTo(429);
    assertThat(perClient.code()).isEqualTo("rate_limited");
    h.create("b");
    ApiException overall = h.refusal(() -> h.jobs.create(JobHarness.request("p", 1), "c", null));
    assertThat(overall.status()).isEqualTo(503);
    assertThat(overall.code()).isEqualTo("overloaded");
    assertThat(overall.retryAfterSeconds()).isEqualTo(5);
    assertThat(h.upstream.count()).isEqualTo(3);

    h.completed(0);
    assertThat(h.onLoop(h.jobs::running)).isEqualTo(2);
    h.create("a");
    assertThat(h.upstream.count()).isEqualTo(4);
  }

  @Test
  @DisplayName("a relayed generation holds a running place until released, and releasing it twice frees one place")
  void relaySlots() {
    JobHarness h = start(Map.of("SEEDSTREAM_MAX_ACTIVE_JOBS", "2"));
    JobRegistry.Relay first = h.onLoop(() -> h.jobs.admitRelay("a", JobHarness.request("a", 1)));
    h.onLoop(() -> h.jobs.admitRelay("b", JobHarness.request("b", 1)));
    assertThat(h.refusal(() -> h.jobs.admitRelay("c", JobHarness.request("c", 1))).code()).isEqualTo("overloaded");
    h.run(() -> first.release(true));
    h.run(() -> first.release(true));
    assertThat(h.onLoop(h.jobs::running)).isEqualTo(1);
    h.onLoop(() -> h.jobs.admitRelay("c", JobHarness.request("c", 1)));
    assertThat(h.refusal(() -> h.jobs.admitRelay("d", JobHarness.request("d", 1))).code()).isEqualTo("overloaded");
  }

  @Test
  @DisplayName("beyond the per-job listener limit 429, before the stream is opened; a listener that leaves frees its place")
  void listenersPerJob() {
    JobHarness h = start(Map.of("SEEDSTREAM_MAX_LISTENERS_PER_JOB", "2"));
    Job job = h.create("a");
    RecordingSink first = h.attach(job, 0, "a");
    h.attach(job, 0, "b");
    RecordingSink refusedSink = new RecordingSink();
    ApiException refused = h.refusal(() -> h.jobs.attach(job, refusedSink, 0, "c"));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("rate_limited");
    assertThat(refused.retryAfterSeconds()).isEqualTo(5);
    assertThat(refusedSink.opened()).as("nothing was written: the refusal can still be answered as JSON").isFalse();
    h.attach(h.create("c"), 0, "c");

    h.run(first::clientGone);
    assertThat(h.onLoop(job::listenerCount)).isEqualTo(1);
    assertThat(h.attach(job, 0, "c").opened()).isTrue();
  }

  @Test
  @DisplayName("beyond the per-client listener limit 429 across jobs; a stream that ends with its job frees its place")
  void listenersPerClient() {
    JobHarness h = start(Map.of("SEEDSTREAM_MAX_LISTENERS_PER_CLIENT", "2"));
    Job one = h.create("a");
    Job two = h.create("a");
    RecordingSink onOne = h.attach(one, 0, "a");
    h.attach(two, 0, "a");
    ApiException refused = h.refusal(() -> h.jobs.attach(two, new RecordingSink(), 0, "a"));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("rate_limited");
    assertThat(h.refusal(() -> h.jobs.admitListener(null, "a")).code()).as("a POST that asks for a stream, too")
      .isEqualTo("rate_limited");
    h.attach(two, 0, "b");

    h.completed(0);
    assertThat(h.await(onOne.finished())).isEqualTo("ended");
    h.attach(two, 0, "a");
  }

  @Test
  @DisplayName("beyond the gateway's listener limit 503 overloaded, whoever asks; any stream's end frees a place")
  void listenersInTotal() {
    JobHarness h = start(Map.of("SEEDSTREAM_MAX_LISTENERS", "2"));
    Job job = h.create("a");
    h.attach(job, 0, "a");
    RecordingSink b = h.attach(job, 0, "b");
    ApiException refused = h.refusal(() -> h.jobs.attach(job, new RecordingSink(), 0, "c"));
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.code()).isEqualTo("overloaded");
    h.run(b::clientGone);
    h.run(b::clientGone);
    h.attach(job, 0, "c");
    assertThat(h.refusal(() -> h.jobs.attach(job, new RecordingSink(), 0, "d")).code())
      .as("a client that went away twice is counted once").isEqualTo("overloaded");
  }
}
