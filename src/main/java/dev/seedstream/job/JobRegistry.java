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
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import dev.seedstream.cluster.ClusterClientLimits;
import dev.seedstream.cluster.ClusterNode;
import dev.seedstream.cluster.IdempotencyKeys;
import dev.seedstream.cluster.JobJournal;
import dev.seedstream.sse.SseFrames;

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

  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(JobRegistry.class.getName());
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
  /** The cluster this node is part of; null on a single node, and then every field below is null or empty. */
  private final ClusterNode cluster;
  private final JobJournal journal;
  private final ClusterClientLimits clusterLimits;
  private final IdempotencyKeys idempotency;
  /** Copies of jobs running on other nodes that someone here listens to, by job id. */
  private final Map<String, JobReplica> replicas = new HashMap<>();
  /** The Idempotency-Key each of this node's jobs claimed in the cluster, by job id. */
  private final Map<String, String> claimedKeys = new HashMap<>();
  private volatile long runningInCluster;

  /** A job remembered under a client's Idempotency-Key, with a digest of the request it was made for. */
  private record IdempotentJob(String jobId, String requestDigest) {
  }

  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream, GatewayMetrics metrics,
                     ImageArchive archive) {
    this(vertx, config, upstream, metrics, archive, Budgets.none());
  }

  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream, GatewayMetrics metrics,
                     ImageArchive archive, Budgets budgets) {
    this(vertx, config, upstream, metrics, archive, budgets, null);
  }

  /** {@code cluster}: the cluster this node belongs to, or null; built on the gateway's event loop. */
  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream, GatewayMetrics metrics,
                     ImageArchive archive, Budgets budgets, ClusterNode cluster) {
    this.cluster = cluster;
    long keepMs = config.timeouts().longestJobLifeMs();
    this.journal = cluster == null ? null : new JobJournal(cluster, keepMs);
    this.clusterLimits = cluster == null ? null
      : new ClusterClientLimits(cluster, config.limits().maxJobsPerClient(), config.limits().imagesPerMinutePerClient());
    this.idempotency = cluster == null ? null : new IdempotencyKeys(cluster, keepMs);
    this.budgets = budgets;
    this.archive = archive;
    this.vertx = vertx;
    this.config = config;
    this.upstream = upstream;
    this.metrics = metrics;
    this.clientLimits = new ClientLimits(config.limits().maxJobsPerClient(), config.limits().imagesPerMinutePerClient(), System::nanoTime);
    metrics.watchSlicesInFlight(SharedSlices::bytesInFlight);
    if (cluster != null) {
      joinCluster();
    }
  }

  /**
   * The node's part in the cluster: it answers other nodes about its jobs (cancel; who listens), ends the jobs
   * of members that are lost, and after a split heals gives up what the cluster no longer agrees it runs.
   */
  private void joinCluster() {
    Context context = vertx.getOrCreateContext();
    vertx.eventBus().<JsonObject>consumer(address(cluster.nodeId(), "cancel"), message -> {
      Job job = jobs.get(message.body().getString("id"));
      if (job == null) {
        message.fail(404, "no such job here");
        return;
      }
      job.cancel(message.body().getString("reason", "cancelled_by_client"));
      message.reply(job.snapshot());
    });
    vertx.eventBus().<JsonObject>consumer(address(cluster.nodeId(), "forget"), message -> forget(message.body().getString("id")));
    vertx.eventBus().<JsonObject>consumer(address(cluster.nodeId(), "watch"), message -> {
      Job job = jobs.get(message.body().getString("id"));
      if (job != null) {
        job.watched(message.body().getString("node"), message.body().getBoolean("watching"));
      }
    });
    cluster.onMemberLost(lost -> context.runOnContext(v -> memberLost(lost)));
    cluster.onMerging(() -> context.runOnContext(v -> merging()));
    metrics.watchCluster(cluster::members, () -> runningInCluster);
    vertx.setPeriodic(10, 5000, t -> journal.runningInCluster().onSuccess(n -> runningInCluster = n));
  }

  private static String address(String node, String what) {
    return "seedstream.node." + node + "." + what;
  }

  /**
   * A member left or was lost. What it served of this node's jobs no longer keeps them alive; its own running
   * jobs end, on every node, with {@code node_lost} (one survivor writes that end, the others find it done); its
   * jobs stop counting against their clients. A node that now sees fewer than half the members it once saw is
   * the cut-off side of a split: it ends its own jobs too, since it can no longer keep their events on a second
   * member, and the other side may already have ended them.
   */
  private void memberLost(String lost) {
    for (Job job : new ArrayList<>(jobs.values())) {
      job.watcherLost(lost);
    }
    if (cluster.inMinority()) {
      LOG.warning("cluster: this node sees " + cluster.members() + " member(s), under half of the cluster; ending its "
        + running + " running job(s) with node_lost");
      abortAll(ErrorCode.NODE_LOST, "this node lost touch with most of the cluster; retry the generation");
    }
    clusterLimits.forgetOwner(lost).onFailure(e -> LOG.warning("cluster: limits of lost member not released: " + e));
    UpstreamFailure failure = UpstreamFailure.of(ErrorCode.NODE_LOST,
      "the gateway node running this job was lost; every event delivered before is kept; retry the generation");
    JsonObject error = failure.toEventData();
    journal.runningOn(lost).onSuccess(ids -> ids.forEach(id ->
      journal.endLost(id, lost, error, eventId -> SseFrames.event(eventId, "error", error.toBuffer().getBytes()))
        .onSuccess(ended -> {
          if (ended) {
            metrics.jobLost();
            LOG.warning("job " + id + " ended with node_lost: its node " + lost + " was lost");
          }
        })
        .onFailure(e -> LOG.warning("job " + id + " of lost node " + lost + " not ended: " + e))))
      .onFailure(e -> LOG.warning("cluster: jobs of lost node " + lost + " not looked up: " + e));
  }

  /**
   * A split is healing and this node's side is merged into the other, whose records win (Hazelcast keeps the
   * receiving side's entries). That side has already ended this node's running jobs with node_lost when it lost
   * sight of this node, so they end here too, their upstream calls aborted, without writing to the cluster: a job
   * has one log, and it is the cluster's. Whatever this node delivered of them while apart reached its own
   * clients; from now on every job is served from the cluster's records, as on any other node. Copies of other
   * nodes' jobs are read afresh (their streams end; clients reconnect with Last-Event-ID).
   */
  private void merging() {
    for (JobReplica replica : new ArrayList<>(replicas.values())) {
      replica.log().endStreams();
    }
    for (Job job : new ArrayList<>(jobs.values())) {
      job.detachFromCluster();
      if (job.status() == JobStatus.RUNNING) {
        LOG.warning("job " + job.id() + " ends here: this node was cut off from the cluster, which ended it");
        job.abort(UpstreamFailure.of(ErrorCode.NODE_LOST, "this node was cut off from the cluster, which ended the job; retry the generation"));
      }
      forget(job);
    }
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
    Job job = launch(newId(), request, clientKey, reservation, worstCase);
    if (scopedKey != null) {
      byIdempotencyKey.put(scopedKey, new IdempotentJob(job.id(), request.upstreamBody().encode()));
    }
    return job;
  }

  /** Starts an admitted job: it is known from here on, kept when the store is on, and its upstream call is made. */
  private Job launch(String id, ValidatedRequest request, String clientKey, Budgets.Reservation reservation, Cost worstCase) {
    Job job = new Job(id, request.model(), request.requestedImages(), request.warnings(), clientKey, vertx,
      config.timeouts().abandonMs(), metrics, this::finished, archive, request.price());
    if (cluster != null) {
      job.keptIn(journal, cluster.nodeId());
    }
    jobs.put(job.id(), job);
    reservations.put(job.id(), reservation);
    if (archive != null) {
      archive.jobStarted(job.id(), clientKey, request.model(), request.requestedImages(), request.upstreamBody(),
        new Spend(worstCase == null ? null : worstCase.currency(), worstCase == null ? null : worstCase.micros(),
          request.requestedImages()));
    }
    metrics.jobStarted();
    job.start(upstream, request.upstreamBody());
    return job;
  }

  /** A job this node started, or one the cluster knows, started by another node for the same Idempotency-Key. */
  public record Started(Job local, RemoteJob remote) {
    public String id() {
      return local != null ? local.id() : remote.id();
    }
  }

  /**
   * {@link #create} on a single node. In a cluster, the client's limits and its Idempotency-Key are the
   * cluster's: the same key on any node gets the same job, started once.
   */
  public Future<Started> start(ValidatedRequest request, String clientKey, String idempotencyKey) {
    if (cluster == null) {
      try {
        return Future.succeededFuture(new Started(create(request, clientKey, idempotencyKey), null));
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    String scopedKey = idempotencyKey == null ? null : clientKey + "\n" + idempotencyKey;
    String digest = request.upstreamBody().encode();
    Future<IdempotencyKeys.Claim> known = scopedKey == null ? Future.succeededFuture() : idempotency.find(scopedKey);
    return known.compose(claim -> claim != null ? claimed(claim, digest, clientKey)
      : admitInCluster(request, clientKey, scopedKey, digest));
  }

  private Future<Started> claimed(IdempotencyKeys.Claim claim, String digest, String clientKey) {
    if (!claim.requestDigest().equals(digest)) {
      return Future.failedFuture(new ApiException(ErrorCode.IDEMPOTENCY_KEY_REUSED,
        "this Idempotency-Key was already used for a different request"));
    }
    Job local = jobs.get(claim.jobId());
    if (local != null) {
      return Future.succeededFuture(new Started(local, null));
    }
    // Its node claims the key just before it starts the job: the record may be a moment behind.
    return journal.record(claim.jobId()).map(record -> new Started(null, record != null ? RemoteJob.of(record)
      : new RemoteJob(claim.jobId(), null, clientKey, "running", 0, new JsonObject().put("id", claim.jobId()).put("status", "running"))));
  }

  private Future<Started> admitInCluster(ValidatedRequest request, String clientKey, String scopedKey, String digest) {
    Budgets.Reservation reservation;
    Cost worstCase = request.maxCost().orElse(null);
    try {
      refuseInlineImagesOverBudget(request);
      reservation = budgets.reserve(clientKey, request.requestedImages(), worstCase);
      try {
        admitHere();
      } catch (RuntimeException e) {
        budgets.settle(reservation, null, 0);
        throw e;
      }
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    String id = newId();
    Runnable undo = () -> {
      running--;
      budgets.settle(reservation, null, 0);
    };
    return clusterLimits.admit(clientKey, id, cluster.nodeId(), request.requestedImages()).transform(admitted -> {
      if (admitted.failed() || admitted.result() != null) {
        undo.run();
        return Future.failedFuture(admitted.failed() ? admitted.cause()
          : new ApiException(ErrorCode.RATE_LIMITED, admitted.result().message(), admitted.result().retryAfterSeconds()));
      }
      Future<IdempotencyKeys.Claim> claim = scopedKey == null ? Future.succeededFuture()
        : idempotency.claim(scopedKey, new IdempotencyKeys.Claim(id, digest));
      return claim.transform(held -> {
        if (held.failed() || (held.result() != null && !held.result().jobId().equals(id))) {
          // Another node started this key's job meanwhile (or the cluster failed): this one is not started.
          undo.run();
          clusterLimits.finished(clientKey, id);
          return held.failed() ? Future.failedFuture(held.cause()) : claimed(held.result(), digest, clientKey);
        }
        if (!accepting) {
          undo.run();
          clusterLimits.finished(clientKey, id);
          return Future.failedFuture(new ApiException(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down; retry shortly",
            RETRY_AFTER_SECONDS));
        }
        if (scopedKey != null) {
          claimedKeys.put(id, scopedKey);
        }
        return Future.succeededFuture(new Started(launch(id, request, clientKey, reservation, worstCase), null));
      });
    });
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
    if (cluster != null) {
      // The drop-in endpoint in a cluster: this node's limits, and the client's limits as this node counts them.
      admitHere();
      try {
        clientLimits.admit(clientKey, requestedImages);
      } catch (RuntimeException e) {
        running--;
        throw e;
      }
      return;
    }
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

  /** This node's own limits: shutting down, and its running jobs. Counts the job as running. */
  private void admitHere() {
    if (!accepting) {
      throw new ApiException(ErrorCode.SHUTTING_DOWN, "the gateway is shutting down; retry shortly", RETRY_AFTER_SECONDS);
    }
    if (running >= config.limits().maxActiveJobs()) {
      throw new ApiException(ErrorCode.OVERLOADED, "the gateway is running " + running + " jobs, its limit; try again shortly",
        RETRY_AFTER_SECONDS);
    }
    running++;
  }

  /** Whether this node is part of a cluster. */
  public boolean clustered() {
    return cluster != null;
  }

  /** A job this node does not run, as the cluster records it; null when the cluster knows no such job. */
  public Future<RemoteJob> remote(String id) {
    return journal.record(id).map(record -> record == null ? null : RemoteJob.of(record));
  }

  /**
   * Cancels a job running on another node: its owner aborts the upstream call and answers with the job's snapshot.
   * An owner that does not answer within a second is gone; its job ends with node_lost as soon as the cluster
   * notices.
   */
  public Future<JsonObject> cancelRemote(RemoteJob job) {
    if (job.owner() == null) {
      return Future.failedFuture(new ApiException(ErrorCode.NOT_FOUND, "no such job; it may have expired"));
    }
    return vertx.eventBus().<JsonObject>request(address(job.owner(), "cancel"), new JsonObject().put("id", job.id()),
        new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(1000))
      .map(reply -> reply.body())
      .recover(e -> Future.failedFuture(new ApiException(ErrorCode.NODE_LOST,
        "the gateway node running this job does not answer; it is ending with node_lost", RETRY_AFTER_SECONDS)));
  }

  /** Drops a finished job of another node now (it was deleted), there and in the cluster. */
  public void forgetRemote(RemoteJob job) {
    if (job.owner() != null) {
      vertx.eventBus().send(address(job.owner(), "forget"), new JsonObject().put("id", job.id()));
    }
  }

  /**
   * As {@link #attach}, for a job running on another node: the stream reads this node's copy of it, made when
   * the first listener here arrives and dropped when the last one leaves.
   */
  public void attachRemote(RemoteJob job, EventSink out, long afterEventId, String clientKey) {
    JobReplica existing = replicas.get(job.id());
    admitListener(existing == null ? 0 : existing.log().listenerCount(), clientKey);
    JobReplica replica = existing != null ? existing : replicas.computeIfAbsent(job.id(), id -> newReplica(job));
    replica.log().subscribe(openStream(replica.log(), out, afterEventId, clientKey));
  }

  private JobReplica newReplica(RemoteJob job) {
    JobReplica replica = new JobReplica(job, journal, this::replicaIdle);
    if (job.owner() != null && job.running()) {
      // Its owner must not abandon it while it has listeners here.
      vertx.eventBus().send(address(job.owner(), "watch"), new JsonObject().put("id", job.id()).put("node", cluster.nodeId())
        .put("watching", true));
    }
    replica.start();
    return replica;
  }

  private void replicaIdle(JobReplica replica) {
    if (replicas.remove(replica.job().id(), replica)) {
      replica.drop();
      if (replica.job().owner() != null && replica.job().running()) {
        vertx.eventBus().send(address(replica.job().owner(), "watch"), new JsonObject().put("id", replica.job().id())
          .put("node", cluster.nodeId()).put("watching", false));
      }
    }
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
    job.subscribe(openStream(job.log(), out, afterEventId, clientKey));
  }

  /** Opens {@code out} for a stream over {@code log}; the listener counts for {@code clientKey} until it ends. */
  private JobStream openStream(EventLog log, EventSink out, long afterEventId, String clientKey) {
    listening++;
    listenersByClient.merge(clientKey, 1, Integer::sum);
    metrics.listenerOpened();
    JobStream stream = new JobStream(log, out, vertx, config.timeouts().writeTimeoutMs(), afterEventId, () -> listenerGone(clientKey));
    out.open(v -> stream.closed());
    return stream;
  }

  /**
   * Refuses one more event stream, before anything is written: 429 {@code rate_limited} over the job's or the
   * client's limit, 503 {@code overloaded} over the gateway's. {@code job} is null for a job not yet created.
   * Each stream holds little (a cursor, and references to frames it shares), but thousands still add up.
   */
  public void admitListener(Job job, String clientKey) {
    admitListener(job == null ? 0 : job.listenerCount(), clientKey);
  }

  private void admitListener(int jobListeners, String clientKey) {
    ListenerLimits limits = config.limits().listeners();
    if (jobListeners >= limits.perJob()) {
      throw new ApiException(ErrorCode.RATE_LIMITED, "this job already has " + jobListeners
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
    abortAll(ErrorCode.SHUTTING_DOWN, message);
  }

  private void abortAll(ErrorCode code, String message) {
    for (Job job : new ArrayList<>(jobs.values())) {
      job.abort(UpstreamFailure.of(code, message));
    }
  }

  /** Members this node sees in its cluster; 0 on a single node. */
  public int clusterMembers() {
    return cluster == null ? 0 : cluster.members();
  }

  private void finished(Job job) {
    if (cluster != null) {
      running--;
      clusterLimits.finished(job.clientKey(), job.id()).onFailure(e -> LOG.warning("cluster: limit of job " + job.id() + " not released: " + e));
    } else {
      release(job.clientKey());
    }
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
    if (job.keptInCluster()) {
      String scopedKey = claimedKeys.remove(job.id());
      if (scopedKey != null) {
        idempotency.release(scopedKey, job.id());
      }
      // Once every event is in (or has failed to get there): nothing written later may outlive the removal.
      long events = job.lastEventId();
      job.replicated().onComplete(v -> journal.forget(job.id(), events + 1)
        .onFailure(e -> LOG.warning("cluster: job " + job.id() + " not dropped from the cluster: " + e)));
    }
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
