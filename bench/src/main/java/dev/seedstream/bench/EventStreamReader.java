package dev.seedstream.bench;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * A byte-level SSE reader made for measuring: it never holds an event, only the first {@value #HEAD} bytes of
 * each line (enough for the field name and the send stamp, which precedes any {@code b64_json}), so reading
 * an 8 MiB event costs one newline scan and no allocation. It accepts LF and CRLF line ends; every relay
 * here emits LF, and the gateway's own parser is the place for full SSE conformance.
 */
final class EventStreamReader {

  /** What the reader saw, with the arrival time of the chunk that carried it. */
  interface Sink {
    void image(long stampNanos, long firstByteNanos, long lastByteNanos, long eventBytes);

    void imageFailed();

    /** A terminal event: {@code null} for a normal end (completed or [DONE]), else its name (error, cancelled). */
    void terminal(String failure);
  }

  private static final int HEAD = 256;
  private static final byte LF = '\n';

  private final Sink sink;
  private final byte[] head = new byte[HEAD];
  private int headLength;
  private long lineLength;
  private long lineStartNanos;
  private long dataStartNanos;
  private long eventBytes;
  private String eventName;
  private long stamp = -1;
  private boolean done;
  private boolean terminal;

  EventStreamReader(Sink sink) {
    this.sink = sink;
  }

  boolean sawTerminal() {
    return terminal;
  }

  void feed(ByteBuf chunk, long nowNanos) {
    int i = chunk.readerIndex();
    int end = chunk.writerIndex();
    while (i < end) {
      int newline = chunk.indexOf(i, end, LF);
      int stop = newline < 0 ? end : newline;
      if (lineLength == 0 && stop > i) {
        lineStartNanos = nowNanos;
      }
      int copy = Math.min(HEAD - headLength, stop - i);
      if (copy > 0) {
        chunk.getBytes(i, head, headLength, copy);
        headLength += copy;
      }
      lineLength += stop - i;
      if (newline < 0) {
        return;
      }
      onLine(nowNanos);
      i = newline + 1;
    }
  }

  private void onLine(long nowNanos) {
    boolean crlf = headLength > 0 && lineLength <= HEAD && head[headLength - 1] == '\r';
    long length = crlf ? lineLength - 1 : lineLength;
    if (length == 0) {
      dispatch(nowNanos);
    } else {
      eventBytes += lineLength + 1;
      field(new String(head, 0, crlf ? headLength - 1 : headLength, StandardCharsets.ISO_8859_1));
    }
    headLength = 0;
    lineLength = 0;
  }

  private void field(String line) {
    if (line.startsWith("event:")) {
      eventName = line.substring(6).trim();
    } else if (line.startsWith("data:")) {
      dataStartNanos = lineStartNanos;
      String value = line.substring(5).trim();
      done |= value.equals("[DONE]");
      stamp = stampIn(value);
    }
  }

  private static long stampIn(String data) {
    int at = data.indexOf("?t=");
    if (at < 0) {
      return -1;
    }
    int from = at + 3;
    int to = from;
    while (to < data.length() && Character.isDigit(data.charAt(to))) {
      to++;
    }
    return to > from ? Long.parseLong(data.substring(from, to)) : -1;
  }

  private void dispatch(long nowNanos) {
    if (stamp >= 0) {
      sink.image(stamp, dataStartNanos, nowNanos, eventBytes + 1);
    }
    String name = eventName == null ? "" : eventName;
    if (name.endsWith("partial_failed") || name.equals("image_failed")) {
      sink.imageFailed();
    }
    if (!terminal && (done || name.equals("image_generation.completed") || name.equals("completed"))) {
      terminal = true;
      sink.terminal(null);
    } else if (!terminal && (name.equals("error") || name.equals("cancelled"))) {
      terminal = true;
      sink.terminal(name);
    }
    eventName = null;
    stamp = -1;
    done = false;
    eventBytes = 0;
  }
}
