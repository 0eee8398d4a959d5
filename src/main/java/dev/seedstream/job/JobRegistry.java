package dev.seedstream.job;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.config.ListenerLimits;
import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.sse.EventSink;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.store.Spend;
import dev.seedstream.validation.Cost;
import dev.seedstream.upstream.UpstreamClient;
import dev.seedstream.upstream.UpstreamFailure;
import dev.seedstream.validation.ValidatedRequest;
import io.vertx.core.Vertx;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * All jobs the gateway knows: running ones, and finished ones kept replayable for the retention time.
 * It enforces the global and per-client limits on running jobs before anything is spent upstream.
 */
public final class JobRegistry {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long RETRY_AFTER_SECONDS = 5;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final UpstreamClient upstream;
  private final GatewayMetrics metrics;
  /** Null when images are not kept, or until a shared store that was down at start-up opens. */
  private ImageArchive archive;
  private final Map<String, Job> jobs = new HashMap<>();
  private final Map<String, IdempotentJob> byIdempotencyKey = new HashMap<>();
  private final ClientLimits clientLimits;
  private final Budgets budgets;
  /** What each running job holds against its client's budget, until it ends. */
  private final Map<String, Budgets.Reservation> reservations = new HashMap<>();
  private final Map<String, Integer> listenersByClient = new HashMap<>();
  private int listening;
  private int running;
  private boolean accepting = true;

  /** A job remembered under a client's Idempotency-Key, with a digest of the request it was made for. */
  private record IdempotentJob(String jobId, String requestDigest) {
  }

  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream, GatewayMetrics metrics,
                     ImageArchive archive) {
    this(vertx, config, upstream, metrics, archive, Budgets.none());
  }

  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream, GatewayMetrics metrics,
                     ImageArchive archive, Budgets budgets) {
    this.budgets = budgets;
    this.archive = archive;
    this.vertx = vertx;
    this.config = config;
    this.upstream = upstream;
    this.metrics = metrics;
    this.clientLimits = new ClientLimits(config.limits().maxJobsPerClient(), config.limits().imagesPerMinutePerClient(), System::nanoTime);
    metrics.watchSlicesInFlight(SharedSlices::bytesInFlight);
  }

  /**
   * The store, opened after start-up (it was down then): jobs created from now on are kept. Those already
   * running stay unkept; their image events carried no durable URL.
   */
  public void useArchive(ImageArchive opened) {
    this.archive = opened;
  }

  /**
   * Starts a job, or refuses before any upstream call: 503 {@code overloaded} over the job limit or, for
   * inline-image jobs, over the buffered-bytes budget; 429 {@code rate_limited} over the client's limit.
   * With an Idempotency-Key a retried POST gets the job it already started, not a second paid call.
   */
  public Job create(ValidatedRequest request, String clientKey, String idempotencyKey) {
    String scopedKey = idempotencyKey == null ? null : clientKey + "\n" + idempotencyKey;
    Job previous = sameRequestAgain(scopedKey, request);
    if (previous != null) {
      return previous;
    }
    refuseInlineImagesOverBudget(request);
    Cost worstCase = request.maxCost().orElse(null);
    // Before the paid call: a request whose worst case the client's budget cannot cover is refused here.
    Budgets.Reservation reservation = budgets.reserve(clientKey, request.requestedImages(), worstCase);
    try {
      admit(clientKey, request.requestedImages());
    } catch (RuntimeException e) {
      budgets.settle(reservation, null, 0);
      throw e;
    }
    Job job = new Job(newId(), request.model(), request.requestedImages(), request.warnings(), clientKey, vertx,
      config.timeouts().abandonMs(), metrics, this::finished, archive, request.price());
    jobs.put(job.id(), job);
    reservations.put(job.id(), reservation);
    if (archive != null) {
      archive.jobStarted(job.id(), clientKey, request.model(), request.requestedImages(), request.upstreamBody(),
        new Spend(worstCase == null ? null : worstCase.currency(), worstCase == null ? null : worstCase.micros(),
          request.requestedImages()));
    }
    if (scopedKey != null) {
      byIdempotencyKey.put(scopedKey, new IdempotentJob(job.id(), request.upstreamBody().encode()));
    }
    metrics.jobStarted();
    job.start(upstream, request.upstreamBody());
    return job;
  }

  private Job sameRequestAgain(String scopedKey, ValidatedRequest request) {
    IdempotentJob known = scopedKey == null ? null : byIdempotencyKey.get(scopedKey);
    if (known == null || !jobs.containsKey(known.jobId())) {
      return null;
    }
    if (!known.requestDigest().equals(request.upstreamBody().encode())) {
      throw new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
        "this Idempotency-Key was already used for a different request");
    }
    return jobs.get(known.jobId());
  }

  /**
   * Admits a generation that is relayed without a job ({@code /v1}): it counts against the same global and
   * per-client limits. The returned action gives the slot back; calling it more than once does nothing.
   */
  public Relay admitRelay(String clientKey, ValidatedRequest request) {
    // The drop-in endpoint is a paid path too: its worst case is reserved like a job's, before the call.
    Budgets.Reservation reservation = budgets.reserve(clientKey, request.requestedImages(), request.maxCost().orElse(null));
    try {
      admit(clientKey, request.requestedImages());
    } catch (RuntimeException e) {
      budgets.settle(reservation, null, 0);
      throw e;
    }
    return new Relay(clientKey, request, reservation);
  }

  /**
   * One admitted drop-in call. The gateway relays its bytes without reading the upstream's usage, so a call the
   * upstream answered with 2xx is settled at its worst case (over-counting, never under-counting), and one it
   * refused at nothing. The spend is kept in memory only: drop-in calls leave no row in the history.
   */
  public final class Relay {
    private final String clientKey;
    private final ValidatedRequest request;
    private final Budgets.Reservation reservation;
    private boolean released;

    private Relay(String clientKey, ValidatedRequest request, Budgets.Reservation reservation) {
      this.clientKey = clientKey;
      this.request = request;
      this.reservation = reservation;
    }

    /** The call is over; {@code billed}: the upstream answered 2xx, so it may have generated images. */
    public void release(boolean billed) {
      if (released) {
        return;
      }
      released = true;
      JobRegistry.this.release(clientKey);
      budgets.settle(reservation, billed ? request.maxCost().orElse(null) : null, billed ? request.requestedImages() : 0);
    }
  }

  /** Inline images are what fills memory: URL jobs add a few hundred bytes, so only b64_json is refused. */
  private void refuseInlineImagesOverBudget(ValidatedRequest request) {
    if ("b64_json".equals(request.responseFormat()) && metrics.bufferedBytes() >= config.limits().maxBufferedBytes()) {
      throw new ApiException(ErrorCode.OVERLOADED, "the gateway holds its limit of inline image data; "
        + "try again shortly or ask for response_format url", RETRY_AFTER_SECONDS);
    }
  }

  private void admit(String clientKey, int requestedImages) {
    if (!accepting) {
      throw new ApiException(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down; retry shortly", RETRY_AFTER_SECONDS);
    }
    if (running >= config.limits().maxActiveJobs()) {
      throw new ApiException(ErrorCode.OVERLOADED, "the gateway is running " + running + " jobs, its limit; try again shortly",
        RETRY_AFTER_SECONDS);
    }
    clientLimits.admit(clientKey, requestedImages);
    running++;
  }

  public Optional<Job> find(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Drops a finished job at once (it was deleted); a running one stays. */
  public void forget(String id) {
    Job job = jobs.get(id);
    if (job != null && job.status() != JobStatus.RUNNING) {
      forget(job);
    }
  }

  /**
   * Streams the job's events after {@code afterEventId} to {@code out}, then live, until a terminal event;
   * or refuses over the listener limits ({@link #admitListener}), before {@code out} is opened. The listener
   * counts for {@code clientKey} until its stream ends, whichever way it ends.
   */
  public void attach(Job job, EventSink out, long afterEventId, String clientKey) {
    admitListener(job, clientKey);
    listening++;
    listenersByClient.merge(clientKey, 1, Integer::sum);
    metrics.listenerOpened();
    JobStream stream = new JobStream(job.log(), out, vertx, config.timeouts().writeTimeoutMs(), afterEventId, () -> listenerGone(clientKey));
    out.open(v -> stream.closed());
    job.subscribe(stream);
  }

  /**
   * Refuses one more event stream, before anything is written: 429 {@code rate_limited} over the job's or the
   * client's limit, 503 {@code overloaded} over the gateway's. {@code job} is null for a job not yet created.
   * Each stream holds little (a cursor, and references to frames it shares), but thousands still add up.
   */
  public void admitListener(Job job, String clientKey) {
    ListenerLimits limits = config.limits().listeners();
    if (job != null && job.listenerCount() >= limits.perJob()) {
      throw new ApiException(ErrorCode.RATE_LIMITED, "this job already has " + job.listenerCount()
        + " event streams, its limit; try again shortly", RETRY_AFTER_SECONDS);
    }
    int mine = listenersByClient.getOrDefault(clientKey, 0);
    if (mine >= limits.perClient()) {
      throw new ApiException(ErrorCode.RATE_LIMITED, "this client already has " + mine
        + " event streams open, its limit; close some or try again shortly", RETRY_AFTER_SECONDS);
    }
    if (listening >= limits.total()) {
      throw new ApiException(ErrorCode.OVERLOADED, "the gateway serves " + listening
        + " event streams, its limit; try again shortly", RETRY_AFTER_SECONDS);
    }
  }

  private void listenerGone(String clientKey) {
    listening--;
    listenersByClient.computeIfPresent(clientKey, (k, n) -> n <= 1 ? null : n - 1);
    metrics.listenerClosed();
  }

  /** Readiness: false once shutdown has begun. */
  public boolean accepting() {
    return accepting;
  }

  public void stopAccepting() {
    accepting = false;
  }

  public int running() {
    return running;
  }

  /** Ends every running job with a retryable {@code shutting_down} error and aborts its upstream call. */
  public void abortAll(String message) {
    for (Job job : new ArrayList<>(jobs.values())) {
      job.abort(UpstreamFailure.of(ErrorCode.SHUTTING_DOWN, message));
    }
  }

  private void finished(Job job) {
    release(job.clientKey());
    Budgets.Reservation reservation = reservations.remove(job.id());
    if (reservation != null) {
      budgets.settle(reservation, job.cost().orElse(null), job.billedImages());
    }
    vertx.setTimer(Math.max(1, config.timeouts().retentionMs()), t -> forget(job));
  }

  private void forget(Job job) {
    if (jobs.remove(job.id()) == null) {
      return;
    }
    byIdempotencyKey.values().removeIf(known -> known.jobId().equals(job.id()));
    metrics.buffered(-job.bufferedBytes());
    job.forgotten();
  }

  private void release(String clientKey) {
    running--;
    clientLimits.finished(clientKey);
  }

  /** 128 random bits, URL-safe: unguessable, so a job id is a capability only its creator has. */
  private static String newId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
