package dev.seedstream.job;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Job streams and abandonment: a listener's pace, a stalled listener's drop, a job nobody follows")
class JobStreamTest extends JobHarnessTest {

  private static final long ABANDON_MS = 50;


  @Test
  @DisplayName("while the client's write queue is full nothing more is written; after the drain the rest follows in order")
  void waitsForTheDrain() {
    JobHarness h = start(Map.of());
    Job job = h.create("a");
    RecordingSink sink = h.attach(job, 0, "a");
    h.run(sink::fill);
    h.image(0, 0);
    h.image(0, 1);
    assertThat(sink.frames()).extracting(RecordingSink.Frame::id).containsExactly(1L);
    h.run(sink::drain);
    h.completed(0);
    assertThat(sink.frames()).extracting(RecordingSink.Frame::id).containsExactly(1L, 2L, 3L, 4L);
    assertThat(h.await(sink.finished())).isEqualTo("ended");
  }

  @Test
  @DisplayName("a client that makes no write progress for the write timeout is dropped and frees its place; the job goes on")
  void stalledClientDropped() {
    JobHarness h = start(Map.of("SEEDSTREAM_WRITE_TIMEOUT_MS", "50", "SEEDSTREAM_MAX_LISTENERS_PER_JOB", "1"));
    Job job = h.create("a");
    RecordingSink stalled = h.attach(job, 0, "a");
    h.run(stalled::fill);
    h.image(0, 0);
    assertThat(h.await(stalled.finished())).isEqualTo("aborted");
    assertThat(h.onLoop(job::listenerCount)).isZero();
    assertThat(h.onLoop(job::status)).isEqualTo(JobStatus.RUNNING);

    RecordingSink next = h.attach(job, 0, "a");
    assertThat(next.frames()).extracting(RecordingSink.Frame::id).containsExactly(1L, 2L);
    h.run(stalled::drain);
    assertThat(stalled.frames()).as("nothing after the drop").extracting(RecordingSink.Frame::id).containsExactly(1L);
  }

  @Test
  @DisplayName("a job nobody follows for SEEDSTREAM_ABANDON_MS is cancelled as abandoned and its upstream call aborted")
  void abandonedWithoutListener() {
    JobHarness h = start(Map.of("SEEDSTREAM_ABANDON_MS", String.valueOf(ABANDON_MS)));
    Job job = h.create("a");
    h.await(h.upstream.call(0).cancelled());
    assertThat(h.onLoop(job::status)).isEqualTo(JobStatus.CANCELLED);
    assertThat(h.onLoop(job::snapshot).getJsonObject("cancellation").getString("reason")).isEqualTo("abandoned");
    assertThat(h.onLoop(h.jobs::running)).as("its running place is given back").isZero();

    RecordingSink replay = h.attach(job, 0, "a");
    assertThat(replay.frames()).extracting(RecordingSink.Frame::type).containsExactly("started", "cancelled");
  }

  @Test
  @DisplayName("a listener stops the abandon timer; when the last listener leaves it starts again")
  void listenerHoldsTheJob() {
    JobHarness h = start(Map.of("SEEDSTREAM_ABANDON_MS", String.valueOf(ABANDON_MS)));
    // Created and joined in one turn of the loop, so the timer cannot fire in between.
    RecordingSink sink = new RecordingSink();
    Job job = h.onLoop(() -> {
      Job created = h.jobs.create(JobHarness.request("a lighthouse", 4), "a", null);
      h.jobs.attach(created, sink, 0, "a");
      return created;
    });
    // Timers on one loop run in deadline order: had the abandon timer stood, it would have run first.
    h.await(h.after(4 * ABANDON_MS));
    assertThat(h.onLoop(job::status)).isEqualTo(JobStatus.RUNNING);
    assertThat(h.upstream.call(0).cancelled().isComplete()).isFalse();

    h.run(sink::clientGone);
    h.await(h.upstream.call(0).cancelled());
    assertThat(h.onLoop(job::status)).isEqualTo(JobStatus.CANCELLED);
    assertThat(sink.frames()).extracting(RecordingSink.Frame::type).as("it had left before").containsExactly("started");
  }
}
