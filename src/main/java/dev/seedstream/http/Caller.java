package dev.seedstream.http;

import dev.seedstream.job.Job;

/**
 * Who is calling, as {@link ClientAccess} established it. {@code key} is what per-client limits and job
 * ownership count on: {@code token:<name>}, or without tokens {@code address:<ip>}. The prefixes keep the
 * two apart, so no token name can ever equal an address that owned jobs while tokens were off. {@code grantedJob} is set when a signed
 * {@code access} parameter opened one job's stream. Ownership is enforced only when tokens are
 * configured; without them the gateway serves anyone who can reach it, and a job id is the capability.
 */
record Caller(String key, String grantedJob, boolean restricted) {

  boolean mayUse(Job job) {
    return mayUse(job.id(), job.clientKey());
  }

  /** As {@link #mayUse(Job)}, for a job known by its id and its client (one running on another cluster node). */
  boolean mayUse(String jobId, String clientKey) {
    if (!restricted) {
      return true;
    }
    return grantedJob != null ? grantedJob.equals(jobId) : key.equals(clientKey);
  }
}
