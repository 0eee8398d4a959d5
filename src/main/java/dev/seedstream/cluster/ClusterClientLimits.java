package dev.seedstream.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The per-client limits (running generations at once, images per minute) counted across the cluster: one entry
 * per client, changed only by entry processors where it lives, so two nodes admitting the same client at the
 * same moment cannot both take its last slot. The minute is the same continuously refilling bucket as on a
 * single node, kept in wall-clock time because several machines share it.
 */
public final class ClusterClientLimits {

  private static final long MINUTE_MS = 60_000;

  private final IMap<String, Usage> usage;
  private final int maxRunning;
  private final int imagesPerMinute;

  public ClusterClientLimits(ClusterNode node, int maxRunning, int imagesPerMinute) {
    this.usage = node.hazelcast().getMap(ClusterNode.CLIENTS);
    this.maxRunning = maxRunning;
    this.imagesPerMinute = imagesPerMinute;
  }

  /** Why a client was refused, and when to try again. */
  public record Refusal(String message, long retryAfterSeconds) implements Serializable {
  }

  /** Admits job {@code jobId} of {@code client} on {@code owner}; the future holds a refusal, or null when admitted. */
  public Future<Refusal> admit(String client, String jobId, String owner, int images) {
    return ClusterNode.onCaller(usage.submitToKey(client, new Admit(jobId, owner, maxRunning, imagesPerMinute, images, System.currentTimeMillis())));
  }

  /** The job is over: its client may run another. */
  public Future<Void> finished(String client, String jobId) {
    return ClusterNode.onCaller(usage.submitToKey(client, new Finish(jobId, null))).mapEmpty();
  }

  /** A member was lost: its jobs no longer count against their clients. */
  public Future<Void> forgetOwner(String owner) {
    return Vertx.currentContext().executeBlocking(() -> {
      usage.executeOnEntries(new Finish(null, owner));
      return null;
    }, false);
  }

  /** One client's running jobs (id → owner) and its image bucket. */
  static final class Usage implements Serializable {
    private static final long serialVersionUID = 1L;
    final Map<String, String> running = new HashMap<>();
    double images;
    long atMillis;
  }

  static final class Admit implements EntryProcessor<String, Usage, Refusal> {
    private static final long serialVersionUID = 1L;
    private final String jobId;
    private final String owner;
    private final int maxRunning;
    private final int perMinute;
    private final int images;
    private final long now;

    Admit(String jobId, String owner, int maxRunning, int perMinute, int images, long now) {
      this.jobId = jobId;
      this.owner = owner;
      this.maxRunning = maxRunning;
      this.perMinute = perMinute;
      this.images = images;
      this.now = now;
    }

    @Override
    public Refusal process(Map.Entry<String, Usage> entry) {
      Usage usage = entry.getValue();
      if (usage == null) {
        usage = new Usage();
        usage.images = perMinute;
        usage.atMillis = now;
      }
      if (usage.running.size() >= maxRunning) {
        return new Refusal("this client already runs " + usage.running.size() + " generations, its limit", 5);
      }
      double left = Math.min(perMinute, usage.images + Math.max(0, now - usage.atMillis) * (double) perMinute / MINUTE_MS);
      int wanted = Math.min(images, perMinute);
      if (left < wanted) {
        long seconds = (long) Math.ceil((wanted - left) * 60.0 / perMinute);
        return new Refusal("this client may request " + perMinute + " images per minute; " + (int) left
          + " are left and this request asks for " + images, Math.max(1, seconds));
      }
      usage.images = left - wanted;
      usage.atMillis = Math.max(usage.atMillis, now);
      usage.running.put(jobId, owner);
      entry.setValue(usage);
      return null;
    }
  }

  /** Removes one job ({@code jobId}), or every job of a lost member ({@code owner}). */
  static final class Finish implements EntryProcessor<String, Usage, Void> {
    private static final long serialVersionUID = 1L;
    private final String jobId;
    private final String owner;

    Finish(String jobId, String owner) {
      this.jobId = jobId;
      this.owner = owner;
    }

    @Override
    public Void process(Map.Entry<String, Usage> entry) {
      Usage usage = entry.getValue();
      if (usage == null) {
        return null;
      }
      boolean changed = jobId != null ? usage.running.remove(jobId) != null : usage.running.values().removeIf(owner::equals);
      if (changed) {
        entry.setValue(usage);
      }
      return null;
    }
  }
}
