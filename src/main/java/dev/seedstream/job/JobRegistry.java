package dev.seedstream.job;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.http.ApiException;
import dev.seedstream.sse.SseResponse;
import dev.seedstream.upstream.UpstreamClient;
import dev.seedstream.upstream.UpstreamFailure;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
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
  private final Map<String, Job> jobs = new HashMap<>();
  private final ClientLimits clientLimits;
  private int running;
  private boolean accepting = true;

  public JobRegistry(Vertx vertx, GatewayConfig config, UpstreamClient upstream) {
    this.vertx = vertx;
    this.config = config;
    this.upstream = upstream;
    this.clientLimits = new ClientLimits(config.maxJobsPerClient(), config.imagesPerMinutePerClient(), System::nanoTime);
  }

  /** Starts a job, or refuses with 503 {@code overloaded} / 429 {@code rate_limited} before any upstream call. */
  public Job create(String model, int requestedImages, List<String> warnings, JsonObject upstreamBody, String clientKey) {
    admit(clientKey, requestedImages);
    Job job = new Job(newId(), model, requestedImages, warnings, clientKey, vertx, config.abandonMs(), this::finished);
    jobs.put(job.id(), job);
    job.start(upstream, upstreamBody);
    return job;
  }

  /**
   * Admits a generation that is relayed without a job ({@code /v1}): it counts against the same global and
   * per-client limits. The returned action gives the slot back; calling it more than once does nothing.
   */
  public Runnable admitRelay(String clientKey, int requestedImages) {
    admit(clientKey, requestedImages);
    boolean[] released = {false};
    return () -> {
      if (!released[0]) {
        released[0] = true;
        release(clientKey);
      }
    };
  }

  private void admit(String clientKey, int requestedImages) {
    if (!accepting) {
      throw new ApiException(503, "shutting_down", "the gateway is shutting down; retry shortly", List.of(), RETRY_AFTER_SECONDS);
    }
    if (running >= config.maxActiveJobs()) {
      throw new ApiException(503, "overloaded", "the gateway is running " + running + " jobs, its limit; try again shortly",
        List.of(), RETRY_AFTER_SECONDS);
    }
    clientLimits.admit(clientKey, requestedImages);
    running++;
  }

  public Optional<Job> find(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** Streams the job's events after {@code afterEventId} to the response, then live, until a terminal event. */
  public void attach(Job job, HttpServerResponse response, long afterEventId) {
    SseResponse out = new SseResponse(vertx, response, config.heartbeatMs());
    JobStream stream = new JobStream(job, out, vertx, config.writeTimeoutMs(), afterEventId);
    out.open(v -> stream.closed());
    job.subscribe(stream);
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
      job.abort(UpstreamFailure.of("shutting_down", message));
    }
  }

  private void finished(Job job) {
    release(job.clientKey());
    vertx.setTimer(Math.max(1, config.retentionMs()), t -> jobs.remove(job.id()));
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
