package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.SchedulingPolicy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 25 item 3: the store's work runs on threads of its own at low priority, behind a bounded backlog. */
@DisplayName("The store is isolated from the relay")
class StoreIsolationTest {

  @TempDir
  Path dataDir;

  final List<HistoryFixture> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    started.forEach(HistoryFixture::close);
  }

  @Test
  @DisplayName("downloads and decodes run on the store's own threads, all in the idle class and no Vert.x thread, and /metrics shows its backlog")
  void storeWorkRunsOnItsOwnThreads() {
    HistoryFixture gw = new HistoryFixture(dataDir, Map.of(), UnaryOperator.identity());
    started.add(gw);
    List<SseEvent> urls = gw.run(HistoryFixture.body("two owls", 2, ""));
    gw.settled(HistoryFixture.jobId(urls), 2);
    List<SseEvent> inline = gw.run(HistoryFixture.body("a kite", 1, ",\"response_format\":\"b64_json\""));
    gw.settled(HistoryFixture.jobId(inline), 1);

    List<Thread> store = Thread.getAllStackTraces().keySet().stream()
      .filter(t -> t.getName().startsWith("seedstream-store-")).toList();
    assertThat(store).extracting(Thread::getName).anyMatch(name -> name.startsWith("seedstream-store-io"))
      .anyMatch(name -> name.startsWith("seedstream-store-worker"));
    assertThat(store).allMatch(t -> t.getPriority() == Thread.MIN_PRIORITY);
    if (Files.isExecutable(Path.of("/usr/bin/chrt"))) {
      // Linux: each of them is in the idle scheduling class (policy 5 in /proc/<pid>/task/<tid>/stat), the
      // download loop too, and none of Vert.x's own threads: a thread inherits its creator's class, so a Vert.x
      // thread first started by the store would be idle as well (one once held a request body's parsing up for a
      // minute under load). (The kernel keeps 15 characters of a thread's name: both show as seedstream-stor.)
      assertThat(schedulingPolicies("seedstream-stor")).hasSizeGreaterThanOrEqualTo(store.size()).containsOnly(5);
      if (!TestPostgres.enabled()) {
        assertThat(schedulingPolicies("seedstream-db-")).as("the SQLite history's thread").isNotEmpty().containsOnly(5);
      }
      assertThat(schedulingPolicies("vert.x-")).as("Vert.x's own threads, shared pools included")
        .isNotEmpty().doesNotContain(5);
    }
    String metrics = gw.get("/metrics").body().toString();
    assertThat(metrics).contains("seedstream_images_stored_total 3.0").contains("seedstream_store_backlog 0.0")
      .contains("seedstream_store_backlog_bytes 0.0").contains("seedstream_store_failures_total{reason=\"backlog\"} 0.0");
  }

  @Test
  @DisplayName("an image reaches its file without being copied onto the heap: downloaded from the network buffers it came in, decoded from the event's own bytes")
  void imagesAreNotCopiedOntoTheHeap() {
    // Full-size 4K pictures (about 330 KiB each), so that a copy would stand out from the bookkeeping.
    HistoryFixture gw = new HistoryFixture(dataDir, Map.of("SEEDSTREAM_SIM_IMAGE_SCALE", "1"), UnaryOperator.identity());
    started.add(gw);
    // Once first: the first download also loads classes and opens the pooled connection.
    gw.settled(HistoryFixture.jobId(gw.run(HistoryFixture.body("a warm-up", 1, ""))), 1);
    gw.settled(HistoryFixture.jobId(gw.run(HistoryFixture.body("a warm-up", 1, ",\"response_format\":\"b64_json\""))), 1);

    for (String format : List.of(",\"size\":\"4096x4096\"", ",\"size\":\"4096x4096\",\"response_format\":\"b64_json\"")) {
      long before = storeThreadsAllocated();
      String id = HistoryFixture.jobId(gw.run(HistoryFixture.body("two herons", 2, format)));
      gw.settled(id, 2);
      long allocated = storeThreadsAllocated() - before;
      long imageBytes = 0;
      for (int i = 0; i < 2; i++) {
        imageBytes += gw.get("/api/images/" + id + "/" + i).body().length();
      }
      // A copy would be at least the image itself (the base64 text, 4/3 of it, for an inline image); what is
      // left is bookkeeping, and a worker's decode buffers the first time it decodes.
      assertThat(allocated).as("bytes allocated by the store's threads for %d image bytes (%s)", imageBytes,
        format.contains("b64_json") ? "inline" : "downloads").isLessThan(imageBytes / 2);
    }
  }

  @Test
  @DisplayName("with the store's loop held up, a job still streams to its end: its images wait in the hand-off, counted in /metrics, and are kept once the loop runs again")
  void relayNeverWaitsForTheStoresLoop() {
    HistoryFixture gw = new HistoryFixture(dataDir, Map.of(), UnaryOperator.identity());
    started.add(gw);
    CountDownLatch release = hold(gw.gateway.verticle().archive());
    String id;
    try {
      List<SseEvent> events = gw.run(HistoryFixture.body("three finches", 3, ""));
      assertThat(events.get(events.size() - 1).event()).isEqualTo("completed");
      id = HistoryFixture.jobId(events);
      // Read while the store's loop is still held: the counters are readable from any thread.
      assertThat(gw.get("/metrics").body().toString()).contains("seedstream_store_backlog 3.0")
        .contains("seedstream_images_stored_total 0.0");
    } finally {
      release.countDown();
    }
    gw.settled(id, 3);
    assertThat(gw.get("/metrics").body().toString()).contains("seedstream_images_stored_total 3.0")
      .contains("seedstream_store_backlog 0.0").contains("seedstream_store_failures_total{reason=\"backlog\"} 0.0");
    assertThat(gw.get("/api/images/" + id + "/2").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("the hand-off to a held-up store's loop is bounded: past a thousand images each is refused on the relay's side, counted, and its durable URL answers 404")
  void handOffIsBounded() {
    // More images than one client may ask for in a minute by default.
    HistoryFixture gw = new HistoryFixture(dataDir, Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "2000"),
      UnaryOperator.identity());
    started.add(gw);
    CountDownLatch release = hold(gw.gateway.verticle().archive());
    int jobs = ImageArchive.MAX_BACKLOG / 15 + 4;
    List<String> ids = new ArrayList<>();
    try {
      for (int i = 0; i < jobs; i++) {
        List<SseEvent> events = gw.run(HistoryFixture.body("a flock " + i, 15, ""));
        assertThat(events.get(events.size() - 1).event()).isEqualTo("completed");
        ids.add(HistoryFixture.jobId(events));
      }
      int refused = jobs * 15 - ImageArchive.MAX_BACKLOG;
      assertThat(gw.get("/metrics").body().toString()).contains("seedstream_store_backlog " + ImageArchive.MAX_BACKLOG + ".0")
        .contains("seedstream_store_failures_total{reason=\"backlog\"} " + refused + ".0");
    } finally {
      release.countDown();
    }
    String first = ids.get(0);
    String last = ids.get(ids.size() - 1);
    gw.settled(first, 15);
    gw.settled(last, 15);
    assertThat(gw.get("/api/images/" + first + "/14").status()).as("handed over, so kept").isEqualTo(200);
    assertThat(gw.get("/api/images/" + last + "/14").status()).as("refused at the hand-off").isEqualTo(404);
  }

  /**
   * Holds the store's event loop until the latch is counted down (or a minute has passed), as a loop starved of
   * the core by the relay would be; returns once it is held.
   */
  private static CountDownLatch hold(ImageArchive archive) {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    archive.context.runOnContext(v -> {
      held.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    try {
      assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return release;
  }

  /** Heap the store's threads have allocated since they started. */
  private static long storeThreadsAllocated() {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("seedstream-store-"))
      .mapToLong(t -> threads.getThreadAllocatedBytes(t.getId())).filter(bytes -> bytes > 0).sum();
  }

  /** The scheduling policy of each of this process's threads whose name starts with {@code prefix}. */
  private static List<Integer> schedulingPolicies(String prefix) {
    List<Integer> policies = new ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : tasks.toList()) {
        if (Files.readString(task.resolve("comm")).startsWith(prefix)) {
          policies.add(SchedulingPolicy.of(task.resolve("stat")));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return policies;
  }

  @Test
  @DisplayName("past its bound in images or bytes, the backlog refuses an image at once instead of holding it")
  void backlogIsBounded() {
    DownloadQueue queue = new DownloadQueue(1, 2, 100);
    Promise<String> running = Promise.promise();
    Future<String> first = queue.submit(0, running::future);
    Future<String> second = queue.submit(60, () -> Future.succeededFuture("second"));
    Future<String> tooLarge = queue.submit(50, () -> Future.succeededFuture("too large"));
    Future<String> third = queue.submit(40, () -> Future.succeededFuture("third"));
    Future<String> tooMany = queue.submit(0, () -> Future.succeededFuture("too many"));

    assertThat(tooLarge.failed()).isTrue();
    assertThat(tooMany.failed()).isTrue();
    assertThat(((StoreFailure) tooMany.cause()).kind()).isEqualTo(StoreFailure.Kind.BACKLOG);
    assertThat(tooMany.cause().getMessage()).contains("the store was behind");
    assertThat(queue.waiting()).isEqualTo(2);
    assertThat(queue.waitingBytes()).isEqualTo(100);
    assertThat(queue.full(0)).isTrue();

    running.complete("first");
    assertThat(first.result()).isEqualTo("first");
    assertThat(second.result()).isEqualTo("second");
    assertThat(third.result()).isEqualTo("third");
    assertThat(queue.waiting()).isZero();
    assertThat(queue.waitingBytes()).isZero();
    assertThat(queue.full(100)).isFalse();
  }
}
