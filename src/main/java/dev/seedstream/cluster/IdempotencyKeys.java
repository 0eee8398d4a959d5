package dev.seedstream.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Idempotency-Keys across the cluster: the first node to claim a client's key for a job wins, and a retried
 * POST on any node finds that job instead of starting a second paid generation.
 */
public final class IdempotencyKeys {

  private final IMap<String, Claim> claims;
  private final long keepMs;

  public IdempotencyKeys(ClusterNode node, long keepMs) {
    this.claims = node.hazelcast().getMap(ClusterNode.IDEMPOTENCY);
    this.keepMs = keepMs;
  }

  /** A key's job, and a digest of the request it was made for. */
  public record Claim(String jobId, String requestDigest) implements Serializable {
  }

  /** The claim on {@code scopedKey}, or null. */
  public Future<Claim> find(String scopedKey) {
    return ClusterNode.onCaller(claims.getAsync(scopedKey));
  }

  /** Claims {@code scopedKey} for {@code claim}; the future holds the claim that holds the key now, ours or an earlier one. */
  public Future<Claim> claim(String scopedKey, Claim claim) {
    return ClusterNode.onCaller(claims.submitToKey(scopedKey, new ClaimIfFree(claim, keepMs)));
  }

  /** Forgets the job's key (the job was dropped). */
  public Future<Void> release(String scopedKey, String jobId) {
    return ClusterNode.onCaller(claims.submitToKey(scopedKey, new ReleaseIfHeld(jobId))).mapEmpty();
  }

  static final class ClaimIfFree implements EntryProcessor<String, Claim, Claim> {
    private static final long serialVersionUID = 1L;
    private final Claim claim;
    private final long keepMs;

    ClaimIfFree(Claim claim, long keepMs) {
      this.claim = claim;
      this.keepMs = keepMs;
    }

    @Override
    public Claim process(Map.Entry<String, Claim> entry) {
      if (entry.getValue() != null) {
        return entry.getValue();
      }
      // Kept no longer than a job can run and stay replayable, even if no node is left to release it.
      ((ExtendedMapEntry<String, Claim>) entry).setValue(claim, keepMs, TimeUnit.MILLISECONDS);
      return claim;
    }
  }

  static final class ReleaseIfHeld implements EntryProcessor<String, Claim, Void> {
    private static final long serialVersionUID = 1L;
    private final String jobId;

    ReleaseIfHeld(String jobId) {
      this.jobId = jobId;
    }

    @Override
    public Void process(Map.Entry<String, Claim> entry) {
      if (entry.getValue() != null && entry.getValue().jobId().equals(jobId)) {
        entry.setValue(null);
      }
      return null;
    }
  }
}
