package dev.seedstream.upstream;

/** A running upstream generation. */
public interface UpstreamCall {

  /** Aborts the upstream exchange at once (the connection is reset); no further events are reported. */
  void cancel();
}
