package dev.seedstream.config;

/**
 * Every deadline, in milliseconds: Vert.x's own defaults (no read timeouts, a 60 s connect) are unsafe for
 * generations that take minutes, so each is explicit.
 *
 * @param heartbeatMs         a {@code : ping} on a quiet {@code /api} stream
 * @param firstEventTimeoutMs request sent → first byte of the upstream's answer
 * @param idleTimeoutMs       longest silence between two bytes from the upstream
 * @param totalTimeoutMs      the whole generation
 * @param retentionMs         how long a finished job stays replayable
 * @param abandonMs           a running job with no listener this long is cancelled upstream
 * @param writeTimeoutMs      a listener that makes no write progress this long is dropped
 * @param headerTimeoutMs     complete request headers, per connection
 * @param bodyTimeoutMs       a request body, from its headers
 * @param drainMs             on SIGTERM, how long running jobs may finish
 */
public record Timeouts(long heartbeatMs, long connectTimeoutMs, long firstEventTimeoutMs, long idleTimeoutMs,
                       long totalTimeoutMs, long retentionMs, long abandonMs, long writeTimeoutMs, long headerTimeoutMs,
                       long bodyTimeoutMs, long drainMs) {

  /** The longest a job can matter: its whole run, a drain, then its retention. What a cluster keeps, it keeps this long. */
  public long longestJobLifeMs() {
    return totalTimeoutMs + drainMs + retentionMs;
  }
}
