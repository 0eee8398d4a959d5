package dev.seedstream.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics, served at {@code /metrics} in the Prometheus text format. Labels carry only
 * bounded, non-secret values (contract codes, reasons, HTTP statuses): never a key, a URL or a prompt.
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter jobsStarted;
  private final Counter jobsCompleted;
  private final Counter imagesDelivered;
  private final Counter imagesFailed;
  private final Counter upstreamRetries;
  private final Counter bodiesDirect;
  private final Counter bodiesCopied;
  private final Timer firstImage;
  private final Timer betweenImages;
  private final AtomicLong activeJobs = new AtomicLong();
  private volatile Supplier<JsonObject> storeCounters;
  private volatile JsonObject storeSnapshot = new JsonObject();
  private final AtomicLong listeners = new AtomicLong();
  private final AtomicLong bufferedBytes = new AtomicLong();

  public GatewayMetrics() {
    jobsStarted = Counter.builder("seedstream.jobs.started").description("jobs accepted").register(registry);
    jobsCompleted = Counter.builder("seedstream.jobs.completed").description("jobs the upstream completed").register(registry);
    imagesDelivered = Counter.builder("seedstream.images.delivered").description("images relayed").register(registry);
    imagesFailed = Counter.builder("seedstream.images.failed").description("per-image failures relayed").register(registry);
    upstreamRetries = Counter.builder("seedstream.upstream.retries").description("upstream calls retried before any event").register(registry);
    bodiesDirect = Counter.builder("seedstream.upstream.bodies").description("upstream answers read, by how")
      .tag("read", "direct").register(registry);
    bodiesCopied = Counter.builder("seedstream.upstream.bodies").description("upstream answers read, by how")
      .tag("read", "copied").register(registry);
    firstImage = Timer.builder("seedstream.upstream.first.image").description("request sent to first image")
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(5))
      .register(registry);
    betweenImages = Timer.builder("seedstream.upstream.between.images").description("gap between two images of a job")
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofMinutes(5))
      .register(registry);
    Gauge.builder("seedstream.jobs.active", activeJobs, AtomicLong::get).description("running jobs").register(registry);
    Gauge.builder("seedstream.listeners", listeners, AtomicLong::get).description("open event streams").register(registry);
    Gauge.builder("seedstream.buffered.event.bytes", bufferedBytes, AtomicLong::get)
      .description("bytes of event frames held for replay").register(registry);
    Gauge.builder("seedstream.direct.memory.used.bytes", GatewayMetrics::directMemoryUsed).strongReference(true)
      .description("off-heap buffer memory: JVM direct buffers (the event block pool among them) plus Netty's own")
      .register(registry);
  }

  /**
   * Off-heap buffer memory in use. The JVM counts its direct buffers, the event block pool's included;
   * Netty allocates without the JVM's accounting when it can, and then counts those bytes itself (and
   * reports -1 when it does not), so the two never overlap.
   */
  static long directMemoryUsed() {
    long jvm = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
      .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    return jvm + Math.max(0, PlatformDependent.usedDirectMemory());
  }

  public void jobStarted() {
    jobsStarted.increment();
    activeJobs.incrementAndGet();
  }

  public void jobCompleted() {
    jobsCompleted.increment();
    activeJobs.decrementAndGet();
  }

  public void jobFailed(String code) {
    registry.counter("seedstream.jobs.failed", "code", code).increment();
    activeJobs.decrementAndGet();
  }

  public void jobCancelled(String reason) {
    registry.counter("seedstream.jobs.cancelled", "reason", reason).increment();
    activeJobs.decrementAndGet();
  }

  public void imageDelivered(long sinceLastNanos, boolean first) {
    imagesDelivered.increment();
    (first ? firstImage : betweenImages).record(Duration.ofNanos(sinceLastNanos));
  }

  public void imageFailed() {
    imagesFailed.increment();
  }

  public void upstreamStatus(int status) {
    registry.counter("seedstream.upstream.responses", "status", String.valueOf(status)).increment();
  }

  /**
   * Money a finished job cost, by model, client and currency. {@code clientKey} is labelled by its token's name
   * (a bounded set the operator configured); without tokens every client is {@code open}, since addresses are not.
   */
  public void cost(String model, String clientKey, String currency, double amount) {
    String client = clientKey.startsWith("token:") ? clientKey.substring("token:".length()) : "open";
    registry.counter("seedstream.cost", "model", model, "client", client, "currency", currency).increment(amount);
  }

  /**
   * An upstream answer whose body is read: {@code direct} from the network's buffers, or else through Vert.x's
   * client, which copies every chunk onto the heap (an HTTP/2 connection, or one another event loop serves).
   */
  public void upstreamBody(boolean direct) {
    (direct ? bodiesDirect : bodiesCopied).increment();
  }

  public void upstreamRetry() {
    upstreamRetries.increment();
  }

  /** A call to one upstream of the pool, by its configured name (never its URL or key). */
  public void upstreamRequest(String upstream) {
    registry.counter("seedstream.upstream.requests", "upstream", upstream).increment();
  }

  /** A call to {@code upstream} that failed, by contract code. */
  public void upstreamError(String upstream, String code) {
    registry.counter("seedstream.upstream.errors", "upstream", upstream, "code", code).increment();
  }

  /** A call moved to another upstream before anything could have been billed. */
  public void upstreamFailover(String from, String to) {
    registry.counter("seedstream.upstream.failovers", "from", from, "to", to).increment();
  }

  /** Request sent to {@code upstream} to the first image it returned. */
  public void upstreamFirstImage(String upstream, long nanos) {
    Timer.builder("seedstream.upstream.first.image.by.upstream").description("request sent to one upstream to its first image")
      .tag("upstream", upstream).publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
      .maximumExpectedValue(Duration.ofMinutes(5)).register(registry).record(Duration.ofNanos(nanos));
  }

  /** The upstream pool was read again and had changed (SIGHUP, or its file or a key file edited). */
  public void upstreamPoolReloaded() {
    registry.counter("seedstream.upstream.pool.reloads").increment();
  }

  /** An upstream's circuit breaker: 0 closed, 1 half-open, 2 open (NaN once the upstream left the pool). */
  public void watchUpstreamBreaker(String upstream, java.util.function.DoubleSupplier state) {
    Gauge.builder("seedstream.upstream.breaker.state", state, java.util.function.DoubleSupplier::getAsDouble)
      .strongReference(true).tag("upstream", upstream)
      .description("circuit breaker of an upstream: 0 closed, 1 half-open, 2 open").register(registry);
  }

  /** An event relayed without a copy in the cluster (no member could take it). */
  public void clusterWriteFailed() {
    registry.counter("seedstream.cluster.write.failures").increment();
  }

  /** A job ended by this node because the member running it was lost. */
  public void jobLost() {
    registry.counter("seedstream.cluster.jobs.lost").increment();
  }

  /** Members this node sees, and running jobs across the cluster (read every few seconds). */
  public void watchCluster(java.util.function.IntSupplier members, LongSupplier runningInCluster) {
    Gauge.builder("seedstream.cluster.members", members, java.util.function.IntSupplier::getAsInt).strongReference(true)
      .description("cluster members this node sees").register(registry);
    Gauge.builder("seedstream.cluster.jobs.active", runningInCluster, LongSupplier::getAsLong).strongReference(true)
      .description("running jobs on all nodes of the cluster (refreshed every 5 s)").register(registry);
  }

  public void listenerOpened() {
    listeners.incrementAndGet();
  }

  public void listenerClosed() {
    listeners.decrementAndGet();
  }

  public void buffered(long deltaBytes) {
    bufferedBytes.addAndGet(deltaBytes);
  }

  public long bufferedBytes() {
    return bufferedBytes.get();
  }

  /** The image store's counts, read when metrics are scraped: images kept, and images that could not be. */
  /** The off-heap blocks that hold large upstream events: in use (events being read or held for replay) and allocated. */
  public void watchSlicesInFlight(LongSupplier bytes) {
    Gauge.builder("seedstream.event.slices.sending.bytes", bytes, LongSupplier::getAsLong).strongReference(true)
      .description("off-heap copies of large-event slices on their way to clients, one per slice however many read it")
      .register(registry);
  }

  public void watchEventBlocks(LongSupplier inUse, LongSupplier allocated) {
    // Strong references: a gauge otherwise holds its source weakly, and these lambdas have no other holder.
    Gauge.builder("seedstream.event.blocks.used.bytes", inUse, LongSupplier::getAsLong).strongReference(true)
      .description("off-heap bytes holding upstream events being read or kept for replay").register(registry);
    Gauge.builder("seedstream.event.blocks.allocated.bytes", allocated, LongSupplier::getAsLong).strongReference(true)
      .description("off-heap bytes the event block pool holds, used or free").register(registry);
  }

  public void watchStore(Supplier<JsonObject> counters) {
    // The store's counters are read once per scrape, not once per meter; the meters read that snapshot through
    // this object, which the gateway holds (Micrometer holds a function meter's object only weakly: a fresh
    // method reference there was collected, and the meters read 0 and NaN however many images were stored).
    this.storeCounters = counters;
    this.storeSnapshot = counters.get();
    FunctionCounter.builder("seedstream.images.stored", this, m -> m.storeSnapshot.getLong("stored", 0L))
      .description("generated images kept durably").register(registry);
    FunctionCounter.builder("seedstream.images.not.persisted", this, m -> m.storeSnapshot.getLong("not_persisted", 0L))
      .description("generated images that could not be kept (download or disk failure)").register(registry);
    FunctionCounter.builder("seedstream.store.retries", this, m -> m.storeSnapshot.getLong("retries", 0L))
      .description("uploads of an image tried again after the bucket refused it").register(registry);
    Gauge.builder("seedstream.images.storing", this, m -> m.storeSnapshot.getLong("in_flight", 0L))
      .description("images being downloaded or written").register(registry);
    Gauge.builder("seedstream.store.degraded", this, m -> m.storeSnapshot.getBoolean("degraded", false) ? 1 : 0)
      .description("1 while image files or history writes fail (the relay goes on), else 0").register(registry);
    Gauge.builder("seedstream.store.backlog", this, m -> m.storeSnapshot.getLong("backlog", 0L))
      .description("images waiting for the store's threads (bounded; past the bound an image is not kept, "
        + "reason backlog)").register(registry);
    Gauge.builder("seedstream.store.backlog.bytes", this, m -> m.storeSnapshot.getLong("backlog_bytes", 0L))
      .description("inline image bytes the waiting images hold (bounded)").register(registry);
    Gauge.builder("seedstream.store.unrecorded.writes", this, m -> m.storeSnapshot.getLong("unrecorded_writes", 0L))
      .description("history writes waiting for the database to accept them").register(registry);
    JsonObject failures = storeSnapshot.getJsonObject("failures", new JsonObject());
    for (String reason : failures.fieldNames()) {
      FunctionCounter.builder("seedstream.store.failures", this,
          m -> m.storeSnapshot.getJsonObject("failures", new JsonObject()).getLong(reason, 0L))
        .tag("reason", reason).description("images not kept, and history writes dropped, by what failed")
        .register(registry);
    }
  }

  public String scrape() {
    Supplier<JsonObject> store = storeCounters;
    if (store != null) {
      storeSnapshot = store.get();
    }
    return registry.scrape();
  }
}
