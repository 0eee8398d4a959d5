package dev.seedstream.job;

import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.store.Spend;
import dev.seedstream.upstream.GeneratedImage;
import dev.seedstream.upstream.InlineImage;
import dev.seedstream.upstream.UpstreamCall;
import dev.seedstream.upstream.UpstreamClient;
import dev.seedstream.upstream.UpstreamEvents;
import dev.seedstream.upstream.UpstreamFailure;
import dev.seedstream.validation.Cost;
import dev.seedstream.validation.PixelSize;
import dev.seedstream.validation.Price;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.seedstream.cluster.JobJournal;
import dev.seedstream.observe.RepeatedWarning;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Consumer;

/**
 * One generation. A job owns the upstream call, an ordered event log with ids 1, 2, 3 … and the
 * listeners reading that log. Each listener keeps its own cursor into the shared log, so a reconnect
 * replays from any point without a second upstream call. All methods run on the gateway's event loop.
 */
public final class Job implements UpstreamEvents {

  private static final RepeatedWarning NOT_KEPT = new RepeatedWarning(
    java.util.logging.Logger.getLogger(Job.class.getName()), 60_000, System::nanoTime);

  private final String id;
  private final String model;
  private final int requestedImages;
  private final List<String> warnings;
  private final String clientKey;
  private final Vertx vertx;
  private final long abandonMs;
  private final GatewayMetrics metrics;
  private final Consumer<Job> onFinish;
  private final ImageArchive archive;
  /** What the model costs; null when the catalogue does not say, and then no cost is reported. */
  private final Price price;
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
  private final long startNanos = System.nanoTime();

  private final EventLog log = new EventLog(this::lastListenerLeft);
  private final JsonArray failedImages = new JsonArray();
  private JobStatus status = JobStatus.RUNNING;
  private UpstreamCall call;
  private long abandonTimer = -1;
  private JsonObject terminalData;
  private long lastImageNanos;
  /** Id of the newest event appended; in a cluster it may still be on its way to the cluster's copy of the log. */
  private long appended;
  /** The upstream of the pool serving this job (its name, never its key); it changes only on a failover. */
  private String upstreamName;
  private int deliveredImages;
  /** Pixels of the images delivered: their tokens when the upstream sends no usage (w·h / 256 each). */
  private long deliveredPixels;
  private Cost cost;
  /** In a cluster: where each event is kept, on two members, before anyone receives it; null on a single node. */
  private JobJournal journal;
  /** This node's id in the cluster: the owner its record names. */
  private String owner;
  /** The first write of the job's record to the cluster (done at once on a single node). */
  private Future<Void> recorded = Future.succeededFuture();
  /** The cluster write of the newest event: the next starts when it is done, so the cluster's log keeps the ids' order. */
  private Future<Void> replicated = Future.succeededFuture();
  /** Other nodes that serve this job's stream to someone (node id → replicas): it is not abandoned while there are any. */
  private final Map<String, Integer> remoteWatchers = new HashMap<>();

  Job(String id, String model, int requestedImages, List<String> warnings, String clientKey, Vertx vertx,
      long abandonMs, GatewayMetrics metrics, Consumer<Job> onFinish, ImageArchive archive, Price price) {
    this.archive = archive;
    this.price = price;
    this.id = id;
    this.model = model;
    this.requestedImages = requestedImages;
    this.warnings = List.copyOf(warnings);
    this.clientKey = clientKey;
    this.vertx = vertx;
    this.abandonMs = abandonMs;
    this.metrics = metrics;
    this.onFinish = onFinish;
  }

  /** Keeps the job in the cluster: its record and every event go to {@code journal} before any listener gets them. */
  void keptIn(JobJournal journal, String owner) {
    this.journal = journal;
    this.owner = owner;
  }

  void start(UpstreamClient upstream, JsonObject upstreamBody) {
    if (journal != null) {
      // The record first: any node can find the job from the moment its creator hears of it.
      replicated = journal.describe(id, record());
      recorded = replicated;
    }
    // The call names its upstream before it returns, and reports nothing else until later: started comes first.
    UpstreamCall started = upstream.start(upstreamBody, this);
    JsonObject data = new JsonObject().put("id", id).put("model", model).put("requested_images", requestedImages)
      .put("created", createdEpochSeconds).put("warnings", new JsonArray(new ArrayList<>(warnings)));
    if (upstreamName != null) {
      data.put("upstream", upstreamName);
    }
    append("started", data);
    armAbandonTimer();
    if (status == JobStatus.RUNNING) {
      call = started;
    } else {
      started.cancel();
    }
  }

  public String id() {
    return id;
  }

  public JobStatus status() {
    return status;
  }

  public String clientKey() {
    return clientKey;
  }

  public List<String> warnings() {
    return warnings;
  }

  /** Id of the newest event listeners can have; a reconnect that has seen it has nothing left to receive. */
  public long lastEventId() {
    return log.lastEventId();
  }

  /** Whether the terminal event is in the log: a reconnect past it gets nothing more. */
  public boolean ended() {
    return log.ended();
  }

  EventLog log() {
    return log;
  }

  // ----------------------------------------------------------------- upstream events

  /** Bytes of encoded frames this job holds for replay. */
  public long bufferedBytes() {
    return log.bytes();
  }

  @Override
  public void onUpstream(String name) {
    upstreamName = name;
  }

  @Override
  public void onImage(GeneratedImage image) {
    long now = System.nanoTime();
    metrics.imageDelivered(now - (lastImageNanos == 0 ? startNanos : lastImageNanos), lastImageNanos == 0);
    lastImageNanos = now;
    deliveredImages++;
    deliveredPixels += image.size() == null ? 0 : PixelSize.parse(image.size()).map(PixelSize::pixels).orElse(0L);
    // What the job's JSON lists per image, too (delivered()), without the inline data: it reads the fields
    // back from this event's frame rather than keeping a second copy per image, because the log lives as
    // long as the job and every young collection that promotes it copies it (results/2026-11-26-s2-steady/).
    JsonObject data = new JsonObject().put("index", image.index()).put("url", image.url()).put("size", image.size())
      .put("elapsed_ms", elapsedMs());
    if (archive != null) {
      data.put("durable_url", archive.durableUrl(id, image.index()));
    }
    // The store decodes on a thread of its own, so it reads the text through a handle of its own, taken before
    // the log holds the event: the bytes stay where they are (no 8 MiB copy on the heap, which a young
    // collection would then copy too) until both have let go.
    InlineImage kept = archive != null && image.b64Json() != null ? image.b64Json().share() : null;
    if (archive != null) {
      // Before the event goes out, so that a request the event prompts (its durable URL, at once) finds the
      // image: the store's loop takes reports and reads in order. Handing over is a count and a queued task;
      // the keeping happens on the store's own threads, so it never delays the event.
      archive.imageArrived(id, image.index(), image.url(), kept, image.size());
    }
    append(image.b64Json() == null
      ? JobEvent.of(appended + 1, "image", data)
      : JobEvent.withInlineImage(appended + 1, "image", data, image.b64Json()));
  }

  @Override
  public void onImageFailed(int index, String code, String message) {
    JsonObject data = new JsonObject().put("index", index)
      .put("error", new JsonObject().put("code", code).put("message", message));
    failedImages.add(data);
    metrics.imageFailed();
    append("image_failed", data);
  }

  @Override
  public void onCompleted(JsonObject usage) {
    JsonObject data = new JsonObject().put("generated_images", deliveredImages)
      .put("failed_images", failedImages.size()).put("usage", usage).put("elapsed_ms", elapsedMs());
    if (price != null) {
      cost = billed(usage);
      data.put("cost", cost.toJson("amount"));
    }
    finish(JobStatus.COMPLETED, "completed", data);
  }

  /**
   * What the upstream bills, by the catalogue's price: the images and output tokens its {@code usage} counts,
   * or, for what it does not say (a relay that drops them, a job that ended early), the images delivered and
   * their w·h / 256 tokens. The upstream bills the images it generated, whether or not the job completed.
   */
  private Cost billed(JsonObject usage) {
    long images = usage != null && usage.getValue("generated_images") instanceof Number n ? n.longValue() : deliveredImages;
    long tokens = usage != null && usage.getValue("output_tokens") instanceof Number n ? n.longValue()
      : Math.round(deliveredPixels / 256.0);
    return price.of(images, tokens);
  }

  /** What the job cost: so far while it runs, in all once it is over; empty when its model has no price. */
  public java.util.Optional<Cost> cost() {
    if (price == null) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(cost != null ? cost : billed(null));
  }

  /** Images the upstream generated for this job as far as the gateway knows (its usage, else those delivered). */
  public long billedImages() {
    JsonObject usage = status == JobStatus.COMPLETED && terminalData != null ? terminalData.getJsonObject("usage") : null;
    return usage != null && usage.getValue("generated_images") instanceof Number n ? n.longValue() : deliveredImages;
  }

  public String model() {
    return model;
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    finish(JobStatus.FAILED, "error", failure.toEventData());
  }

  // ----------------------------------------------------------------- lifecycle

  /** Cancels a running job: the upstream call is aborted at once; images already delivered stay. */
  public boolean cancel(String reason) {
    if (status != JobStatus.RUNNING) {
      return false;
    }
    if (call != null) {
      call.cancel();
    }
    finish(JobStatus.CANCELLED, "cancelled", new JsonObject().put("reason", reason));
    return true;
  }

  /** Ends a running job with a terminal error the gateway itself decided on (shutdown, for one). */
  public void abort(UpstreamFailure failure) {
    if (status == JobStatus.RUNNING) {
      if (call != null) {
        call.cancel();
      }
      onFailure(failure);
    }
  }

  void subscribe(JobStream listener) {
    vertx.cancelTimer(abandonTimer);
    log.subscribe(listener);
  }

  /**
   * The registry no longer knows this job: nobody new can subscribe. Its log's image bytes go back to the
   * pool once the last listener still reading it is gone.
   */
  void forgotten() {
    log.forgotten();
  }

  private void lastListenerLeft() {
    if (status == JobStatus.RUNNING && log.listenerCount() == 0 && remoteWatchers.isEmpty()) {
      armAbandonTimer();
    }
  }

  public int listenerCount() {
    return log.listenerCount();
  }

  /** The job as JSON, without inline image data (that stays in the event log, for replay). */
  public JsonObject snapshot() {
    JsonObject json = new JsonObject().put("id", id).put("status", status.wireName()).put("model", model)
      .put("requested_images", requestedImages).put("created", createdEpochSeconds)
      .put("warnings", new JsonArray(new ArrayList<>(warnings))).put("last_event_id", lastEventId())
      .put("images", delivered()).put("failed_images", failedImages.copy())
      .put("events_url", "/api/generations/" + id + "/events");
    if (upstreamName != null) {
      json.put("upstream", upstreamName);
    }
    cost().ifPresent(spent -> json.put("cost", spent.toJson("amount")));
    if (terminalData != null) {
      json.put(status == JobStatus.COMPLETED ? "result" : status == JobStatus.FAILED ? "error" : "cancellation", terminalData.copy());
    }
    return json;
  }

  private JsonArray delivered() {
    JsonArray json = new JsonArray();
    for (JobEvent event : log.events()) {
      if (event.isImage()) {
        json.add(event.dataWithoutImage());
      }
    }
    return json;
  }

  private void append(String type, JsonObject data) {
    append(JobEvent.of(appended + 1, type, data));
  }

  private void append(JobEvent event) {
    appended++;
    if (journal == null) {
      metrics.buffered(event.length());
      log.add(event);
      return;
    }
    long eventId = appended;
    replicated = replicated.transform(previous -> journal.append(id, eventId, event.type(), event.head(), event.image()))
      .andThen(stored -> {
        if (stored.failed()) {
          // The cluster could not keep it (no member reachable): the image still goes to those listening here,
          // because withholding it would lose it for sure.
          NOT_KEPT.warn("cluster", () -> "job " + id + ": event " + eventId + " was relayed but not kept in the cluster: " + stored.cause());
          metrics.clusterWriteFailed();
        }
        metrics.buffered(event.length());
        log.add(event);
      })
      // On two members now: the mark lets other nodes' readers hand it on too. The next event waits for it.
      .transform(stored -> stored.succeeded() ? journal.commit(id) : Future.<Void>succeededFuture())
      .andThen(committed -> journal.describe(id, record()));
  }

  /** The job as the cluster keeps it: its snapshot, its owner and its client. */
  JsonObject record() {
    JsonObject record = snapshot().put("owner", owner).put("client", clientKey);
    record.remove("events_url");
    return record;
  }

  /**
   * The cluster no longer records this job as this node's (it ended it while this node was cut off): from here
   * on its events stay on this node, and it writes nothing to the cluster's copy.
   */
  void detachFromCluster() {
    journal = null;
  }

  /**
   * Completes once the cluster has the job's record, whether or not the write succeeded: an answer that names
   * the job waits for it, so the client may go to any node with it at once.
   */
  public Future<Void> recorded() {
    return recorded.transform(ar -> Future.succeededFuture());
  }

  boolean keptInCluster() {
    return journal != null;
  }

  /** Whether the cluster has every event appended so far (always, on a single node). */
  Future<Void> replicated() {
    return replicated;
  }

  /** A node started ({@code watching}) or stopped serving this job's stream to someone. */
  void watched(String node, boolean watching) {
    if (watching) {
      remoteWatchers.merge(node, 1, Integer::sum);
      vertx.cancelTimer(abandonTimer);
    } else {
      remoteWatchers.computeIfPresent(node, (k, n) -> n <= 1 ? null : n - 1);
      lastListenerLeft();
    }
  }

  /** A member was lost: whatever it was serving of this job no longer keeps it alive. */
  void watcherLost(String node) {
    if (remoteWatchers.remove(node) != null) {
      lastListenerLeft();
    }
  }

  private void finish(JobStatus finalStatus, String type, JsonObject data) {
    if (status != JobStatus.RUNNING) {
      return;
    }
    status = finalStatus;
    terminalData = data;
    call = null;
    vertx.cancelTimer(abandonTimer);
    Cost spent = cost().orElse(null);
    if (archive != null) {
      // Before the terminal event goes out, like an image's report: the history a client reads on seeing it
      // (the web page reloads its panel) then lists the job as ended.
      archive.jobFinished(id, finalStatus.wireName(), data, failedImages.copy(),
        new Spend(spent == null ? null : spent.currency(), spent == null ? null : spent.micros(), billedImages()));
    }
    append(type, data);
    switch (finalStatus) {
      case COMPLETED -> metrics.jobCompleted();
      case FAILED -> metrics.jobFailed(data.getString("code", "unknown"));
      default -> metrics.jobCancelled(data.getString("reason", "unknown"));
    }
    if (spent != null) {
      metrics.cost(model, clientKey, spent.currency(), spent.amount());
    }
    onFinish.accept(this);
  }

  private void armAbandonTimer() {
    vertx.cancelTimer(abandonTimer);
    abandonTimer = vertx.setTimer(abandonMs, t -> {
      if (log.listenerCount() == 0 && remoteWatchers.isEmpty()) {
        cancel("abandoned");
      }
    });
  }

  private long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
