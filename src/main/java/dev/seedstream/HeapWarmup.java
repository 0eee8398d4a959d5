package dev.seedstream;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.seedstream.store.StoreThreads;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Backs the old generation with memory after the gateway listens, instead of before it: what
 * {@code -XX:+AlwaysPreTouch} does at start, moved out of start-up. On virtual machines whose host takes freed
 * memory back (this project's do, within seconds), the first touch of each page costs about 11 µs, so touching
 * the 1 GiB heap before {@code main} took 2-10 s of every start; left undone, those touches land inside young
 * collections instead, as they promote into old-generation pages touched for the first time, and the pauses
 * grow four to seven times (bench/results/2026-12-07-no-pretouch/).
 *
 * <p>Here a thread in the idle scheduling class ({@link StoreThreads#yieldToRelay}: it gets the core only when
 * nothing else of the gateway wants it) allocates arrays larger than the young generation, which the serial
 * collector places straight into the old generation one after the other; zeroing them touches each page. It
 * stops a young generation short of the top, so that the gateway's own promotions meanwhile always fit, then
 * asks for one full collection, which compacts what is live back to the bottom and leaves the touched pages
 * free above it, and logs once, with the time taken.
 *
 * <p>Requests that arrive meanwhile are served as usual, with two costs. A young collection the gateway needs while
 * an array is being zeroed waits for the zeroing to end (the JVM cannot stop a thread inside it): up to one array's
 * first touches, 70-130 ms measured here, more the busier the machine, since the idle thread then gets the core
 * only when no other thread wants it. After each such collection the warm-up leaves the gateway alone for a second,
 * so under load at most about one collection a second waits (the log line counts them), and the warm-up takes
 * longer (18 s instead of 3-7 s under a steady stream of requests). And promotions into the part not touched yet
 * pay their first touches inside the pause, as without pre-touch. Measured in
 * bench/results/2026-12-07-heap-warmup/.
 */
final class HeapWarmup {

  private static final Logger LOG = Logger.getLogger(HeapWarmup.class.getName());
  static final String THREAD_NAME = "seedstream-heap-warmup";
  private static final long MIB = 1 << 20;
  /** How long the warm-up leaves the gateway alone after one of its collections had to wait for it. */
  private static final long BUSY_PAUSE_MS = 1000;

  private final MemoryPoolMXBean oldGen;
  private final int chunkBytes;
  private final long reserveBytes;
  /** The last array allocated, kept where the compiler cannot prove it unused. */
  private volatile byte[] last;

  /**
   * {@code chunkBytes}: each array, larger than the young generation so that it is allocated in the old one;
   * {@code reserveBytes}: what is left untouched at the top, room for the gateway's own promotions meanwhile.
   */
  HeapWarmup(MemoryPoolMXBean oldGen, int chunkBytes, long reserveBytes) {
    this.oldGen = oldGen;
    this.chunkBytes = chunkBytes;
    this.reserveBytes = reserveBytes;
  }

  /**
   * The warm-up this JVM needs, or none: only for the serial collector (whose old generation fills from the
   * bottom up, so that arrays allocated one after the other touch it in order), with a fixed heap (one that
   * may grow would be grown and then shrunk again by the collection) that was not pre-touched already.
   */
  static Optional<HeapWarmup> forThisJvm() {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (vm == null || !vm.getVMOption("UseSerialGC").getValue().equals("true")
      || vm.getVMOption("AlwaysPreTouch").getValue().equals("true")) {
      return Optional.empty();
    }
    MemoryPoolMXBean old = pool("Tenured Gen");
    MemoryPoolMXBean eden = pool("Eden Space");
    MemoryPoolMXBean survivor = pool("Survivor Space");
    if (old == null || eden == null || survivor == null) {
      return Optional.empty();
    }
    MemoryUsage oldUsage = old.getUsage();
    if (oldUsage.getMax() <= 0 || oldUsage.getCommitted() < oldUsage.getMax()) {
      return Optional.empty();
    }
    // The collector puts an array in the old generation at once only when it is larger than what the young one
    // holds before a collection, eden and one survivor space; and the longest a collection waits for the warm-up
    // is the zeroing of one array, so they are no larger than that. A young collection promotes at most the
    // whole young generation: that much is left free for the gateway's own promotions.
    long chunk = eden.getUsage().getMax() + survivor.getUsage().getMax() + 64 * 1024;
    long young = eden.getUsage().getMax() + 2 * survivor.getUsage().getMax();
    if (chunk > Integer.MAX_VALUE - 64) {
      return Optional.empty();
    }
    return Optional.of(new HeapWarmup(old, (int) chunk, young));
  }

  private static MemoryPoolMXBean pool(String name) {
    return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getName().equals(name)).findFirst().orElse(null);
  }

  /**
   * Starts the warm-up this JVM needs, if any ({@link #forThisJvm}), on a daemon thread of its own that puts
   * itself in the idle class before anything else, looking at the JVM's options and pools included: the
   * management classes that takes are loaded while the first requests are served.
   */
  static void startInBackground() {
    onIdleThread(() -> forThisJvm().ifPresent(HeapWarmup::run));
  }

  /** Runs this warm-up on a daemon thread of its own, in the idle class. */
  Thread start() {
    return onIdleThread(this::run);
  }

  private static Thread onIdleThread(Runnable work) {
    Thread thread = new Thread(() -> {
      StoreThreads.yieldToRelay();
      work.run();
    }, THREAD_NAME);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Touches the old generation, collects once and logs the outcome, on the calling thread. */
  private void run() {
    long started = System.nanoTime();
    long touched = 0;
    // A collection by someone else meanwhile (jcmd GC.run) starts the old generation over from the bottom: the
    // pages touched already are touched again, at memory speed, up to twice the old generation in all.
    long budget = 2 * oldGen.getUsage().getMax();
    GarbageCollectorMXBean young = collector("Copy");
    int waitedFor = 0;
    try {
      while (touched < budget && free() >= chunkBytes + reserveBytes) {
        long collections = young == null ? 0 : young.getCollectionCount();
        last = new byte[chunkBytes];
        touched += chunkBytes;
        if (young != null && young.getCollectionCount() != collections) {
          // The gateway collected while this array was being zeroed, so it is serving, and that collection
          // waited for the zeroing to end (the JVM cannot stop a thread inside it). Every collection would,
          // back to back, since an idle thread always has an array under way: leave the gateway a pause.
          waitedFor++;
          Thread.sleep(BUSY_PAUSE_MS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    last = null;
    long touchedMs = (System.nanoTime() - started) / 1_000_000;
    GarbageCollectorMXBean full = collector("MarkSweepCompact");
    long before = full == null ? 0 : full.getCollectionTime();
    System.gc();
    long collectedMs = full == null ? 0 : full.getCollectionTime() - before;
    LOG.info("heap warm: " + touched / MIB + " MiB of the old generation touched in " + touchedMs + " ms ("
      + waitedFor + " young collections waited for it), then one full collection of " + collectedMs + " ms");
  }

  private static GarbageCollectorMXBean collector(String name) {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().filter(gc -> gc.getName().equals(name))
      .findFirst().orElse(null);
  }

  private long free() {
    MemoryUsage usage = oldGen.getUsage();
    return usage.getMax() - usage.getUsed();
  }
}
