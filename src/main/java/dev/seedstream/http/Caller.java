package dev.seedstream.http;

import dev.seedstream.job.Job;

/**
 * Who is calling, as {@link ClientAccess} established it. {@code key} is what per-client limits count
 * on: a token's name, or without tokens the client's address. {@code grantedJob} is set when a signed
 * {@code access} parameter opened one job's stream. Ownership is enforced only when tokens are
 * configured; without them the gateway serves anyone who can reach it, and a job id is the capability.
 */
record Caller(String key, String grantedJob, boolean restricted) {

  boolean mayUse(Job job) {
    if (!restricted) {
      return true;
    }
    return grantedJob != null ? grantedJob.equals(job.id()) : job.clientKey().equals(key);
  }
}
