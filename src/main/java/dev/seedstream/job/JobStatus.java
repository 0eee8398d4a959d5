package dev.seedstream.job;

/** Where a job is in its life; every state but RUNNING is final. */
public enum JobStatus {
  RUNNING, COMPLETED, FAILED, CANCELLED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
