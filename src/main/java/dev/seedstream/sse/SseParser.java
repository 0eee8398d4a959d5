package dev.seedstream.sse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Incremental, bounded server-sent-events parser working on raw bytes (WHATWG HTML, "Interpreting an
 * event stream"). It frames lines itself because upstreams may end lines with LF, CRLF or a bare CR,
 * and a CR may arrive at the end of one chunk with its LF at the start of the next.
 *
 * <p>Only bytes that can end up in an event are kept: data, event and id values. Comments, {@code retry}
 * and unknown fields are skipped as they stream by, so they cost no memory whatever their length.
 * The kept lines of one event may total at most {@code maxEventBytes}; one byte more throws
 * {@link SseEventTooLargeException} before it is stored, and the parser refuses further input.
 * A field name counts while it could still be data, event or id, and stops counting once the line
 * turns out to be ignored, so {@link #bufferedBytes()} never exceeds the cap.
 *
 * <p>Not thread-safe: feed it from one thread (an event loop), as a stream's bytes arrive in order.
 */
public final class SseParser {

  private static final byte LF = '\n';
  private static final byte CR = '\r';
  private static final byte COLON = ':';
  private static final byte SPACE = ' ';
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private enum Field {
    DATA("data"), EVENT("event"), ID("id");

    private final byte[] name;

    Field(String name) {
      this.name = name.getBytes(StandardCharsets.US_ASCII);
    }
  }

  /** Where the current line stands: still reading its field name, just after the colon, in the value, or ignored. */
  private enum LineState { NAME, VALUE_START, VALUE, SKIP }

  private final int maxEventBytes;
  private final Consumer<SseEvent> sink;
  private final ByteAccumulator data;
  private final ByteAccumulator value;
  private final Base64Runs base64Runs = new Base64Runs();
  private final byte[] name = new byte[longestFieldName()];

  private int bomMatched;
  private boolean bomChecked;
  private boolean lfPending;
  private LineState state = LineState.NAME;
  private int nameLength;
  private Field field;

  private boolean sawData;
  private String eventType;
  private String id;
  private int eventTypeBytes;
  private int idBytes;
  private long eventBytes;

  private boolean failed;
  private boolean ended;

  public SseParser(int maxEventBytes, Consumer<SseEvent> sink) {
    this(maxEventBytes, BlockPool.NONE, sink);
  }

  /**
   * @param pool where the data of large events goes; each dispatched {@link SseEvent} owns its data, and
   *   whoever ends up holding it calls {@link EventData#release()}
   */
  public SseParser(int maxEventBytes, BlockPool pool, Consumer<SseEvent> sink) {
    if (maxEventBytes <= 0) {
      throw new IllegalArgumentException("maxEventBytes must be positive: " + maxEventBytes);
    }
    this.maxEventBytes = maxEventBytes;
    this.sink = Objects.requireNonNull(sink, "sink");
    this.data = new ByteAccumulator(maxEventBytes, pool);
    this.value = new ByteAccumulator(maxEventBytes, BlockPool.NONE);
  }

  public void feed(byte[] chunk) {
    feed(chunk, 0, chunk.length);
  }

  public void feed(byte[] chunk, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, chunk.length);
    ensureUsable();
    int end = offset + length;
    int i = bomChecked ? offset : skipBom(chunk, offset, end);
    consume(chunk, i, end);
  }

  /** End of input: a last line without line end still counts, and a pending event with data is dispatched. */
  public void end() {
    ensureUsable();
    if (!bomChecked) {
      abandonBom();
    }
    ended = true;
    if (state != LineState.NAME || nameLength > 0) {
      endLine();
    }
    dispatch();
  }

  /**
   * Drops a half-read event, returning its pooled blocks, and refuses further input: call it when the
   * stream is abandoned, even from inside the sink (the rest of the chunk is then not read).
   */
  public void discard() {
    failed = true;
    base64Runs.reset();
    data.clear();
    value.clear();
  }

  /** Bytes currently held for the event being accumulated. */
  public long bufferedBytes() {
    return (long) data.size() + value.size() + nameLength + eventTypeBytes + idBytes;
  }

  private void ensureUsable() {
    if (failed) {
      throw new IllegalStateException("parser failed on an oversized event and cannot continue");
    }
    if (ended) {
      throw new IllegalStateException("parser already reached end of input");
    }
  }

  /** The BOM may itself be split across chunks, so up to two of its bytes are held until it is decided. */
  private int skipBom(byte[] chunk, int i, int end) {
    while (i < end && bomMatched < BOM.length) {
      if (chunk[i] != BOM[bomMatched]) {
        abandonBom();
        return i;
      }
      bomMatched++;
      i++;
    }
    bomChecked = bomMatched == BOM.length;
    return i;
  }

  private void abandonBom() {
    bomChecked = true;
    consume(BOM, 0, bomMatched);
  }

  private void consume(byte[] b, int i, int end) {
    while (i < end && !failed) {
      byte c = b[i];
      if (lfPending) {
        lfPending = false;
        if (c == LF) {
          i++;
          continue;
        }
      }
      if (c == LF || c == CR) {
        lfPending = c == CR;
        endLine();
        i++;
      } else if (state == LineState.NAME) {
        readNameByte(c);
        i++;
      } else if (state == LineState.VALUE_START) {
        i = startValue(c, i);
      } else {
        int lineEnd = field == Field.DATA ? dataLineEnd(b, i, end) : indexOfLineEnd(b, i, end);
        takeValue(b, i, lineEnd - i);
        i = lineEnd;
      }
    }
  }

  private static int indexOfLineEnd(byte[] b, int i, int end) {
    while (i < end && b[i] != LF && b[i] != CR) {
      i++;
    }
    return i;
  }

  /**
   * {@link #indexOfLineEnd} for a data line, noting on the way where runs of base64 characters break
   * ({@link Base64Runs}): one table lookup per byte serves both.
   */
  private int dataLineEnd(byte[] b, int start, int end) {
    long dataIndex = (long) data.size() - start;
    int i = start;
    while (i < end) {
      while (i < end && Base64Runs.CLASS[b[i] & 0xff] == Base64Runs.ALPHABET) {
        i++;
      }
      if (i == end || Base64Runs.CLASS[b[i] & 0xff] == Base64Runs.LINE_END) {
        break;
      }
      base64Runs.breakAt(dataIndex + i);
      i++;
    }
    return i;
  }

  /** A name that cannot become data, event or id makes the whole line ignorable, so it is never stored. */
  private void readNameByte(byte c) {
    if (c == COLON) {
      onColon();
    } else if (nameLength < name.length && extendsKnownName(c)) {
      count(1);
      name[nameLength++] = c;
    } else {
      skipLine();
    }
  }

  private void skipLine() {
    eventBytes -= nameLength;
    nameLength = 0;
    state = LineState.SKIP;
  }

  private boolean extendsKnownName(byte c) {
    for (Field f : Field.values()) {
      byte[] n = f.name;
      if (n.length > nameLength && n[nameLength] == c && Arrays.equals(n, 0, nameLength, name, 0, nameLength)) {
        return true;
      }
    }
    return false;
  }

  private Field resolveName() {
    for (Field f : Field.values()) {
      if (Arrays.equals(f.name, 0, f.name.length, name, 0, nameLength)) {
        return f;
      }
    }
    return null;
  }

  private void onColon() {
    field = resolveName();
    if (field == null) {
      skipLine();
    } else {
      count(1);
      state = LineState.VALUE_START;
      if (field == Field.DATA) {
        startDataLine();
      }
    }
    nameLength = 0;
  }

  private int startValue(byte c, int i) {
    state = LineState.VALUE;
    if (c != SPACE) {
      return i;
    }
    count(1);
    return i + 1;
  }

  private void takeValue(byte[] b, int offset, int length) {
    if (state == LineState.SKIP || length == 0) {
      return;
    }
    count(length);
    if (field == Field.DATA) {
      data.append(b, offset, length);
    } else {
      value.append(b, offset, length);
    }
  }

  private void startDataLine() {
    if (sawData) {
      base64Runs.breakAt(data.size());
      data.append(LF);
    }
    sawData = true;
  }

  /** Checked before bytes are stored, so the parser never holds more than the cap. */
  private void count(long bytes) {
    if (eventBytes + bytes > maxEventBytes) {
      discard();
      throw new SseEventTooLargeException(maxEventBytes);
    }
    eventBytes += bytes;
  }

  private void endLine() {
    switch (state) {
      case NAME -> endNameOnlyLine();
      case VALUE_START, VALUE -> finishValue();
      case SKIP -> { }
    }
    state = LineState.NAME;
    nameLength = 0;
    field = null;
  }

  /** An empty line dispatches; a bare field name is that field with an empty value. */
  private void endNameOnlyLine() {
    if (nameLength == 0) {
      dispatch();
      return;
    }
    field = resolveName();
    if (field == null) {
      eventBytes -= nameLength;
      return;
    }
    if (field == Field.DATA) {
      startDataLine();
    }
    finishValue();
  }

  private void finishValue() {
    if (field == Field.EVENT) {
      eventType = value.decode();
      eventTypeBytes = value.size();
    } else if (field == Field.ID && !value.contains((byte) 0)) {
      id = value.decode();
      idBytes = value.size();
    }
    value.clear();
  }

  private void dispatch() {
    SseEvent event = sawData ? new SseEvent(id, eventType, data.handOff(base64Runs.finish(data.size()))) : null;
    resetEvent();
    if (event != null) {
      sink.accept(event);
    }
  }

  private void resetEvent() {
    base64Runs.reset();
    data.clear();
    value.clear();
    sawData = false;
    eventType = null;
    id = null;
    eventTypeBytes = 0;
    idBytes = 0;
    eventBytes = 0;
  }

  private static int longestFieldName() {
    return Arrays.stream(Field.values()).mapToInt(f -> f.name.length).max().orElseThrow();
  }
}
