package dev.seedstream.simulator;

/**
 * Where a generation's outcomes go: framed as server-sent events as they happen
 * ({@link EventStreamReply}), or collected into one JSON body at the end ({@link JsonBodyReply}).
 * Exactly one of {@link #completed} and {@link #aborted} ends the reply.
 */
interface GenerationReply {

  void succeeded(FinishedImage image);

  /** The content filter took this slot; generation goes on with the next one. */
  void failed(int index, String message);

  void completed(ImageUsage usage);

  /** A fatal error after the request was accepted: no more images, no summary. */
  void aborted(UpstreamError error);
}
