package dev.seedstream.sse;

import java.util.Arrays;

/**
 * Where one event's data holds long runs of base64 characters, noted by the parser while the bytes stream
 * in. An upstream image is a JSON string of megabytes of base64, and the gateway must check every
 * character before it passes the image on. Checked after the event's last byte, that is one more pass
 * between the upstream and the client (2.6 ms per 8 MiB on the benchmark machine). The parser already
 * looks at every data byte for line ends; one table lookup tells both apart, so the check is done by the
 * time the event is, and {@link EventData#endOfBase64Run} answers from the runs noted here.
 *
 * <p>Bounded: only runs of at least {@link #MIN_RUN} bytes are noted (a shorter one is cheap to scan), at
 * most {@link #MAX_RUNS} per event; a run that was not noted is scanned when asked about.
 */
final class Base64Runs {

  static final int MIN_RUN = 16 * 1024;
  static final int MAX_RUNS = 8;
  static final long[] NONE = new long[0];

  /** A byte's class: {@link #ALPHABET} for the 64 characters of standard base64, {@link #LINE_END}, or other. */
  static final byte ALPHABET = 0;
  static final byte OTHER = 1;
  static final byte LINE_END = 2;
  static final byte[] CLASS = classes();

  /** Start and end (exclusive) of each noted run, in data order. */
  private final long[] runs = new long[2 * MAX_RUNS];
  private int count;
  private long runStart;

  /** The data byte at {@code index} is not a base64 character, so a run may end there. */
  void breakAt(long index) {
    note(index);
    runStart = index + 1;
  }

  /** The noted runs of data that ended at {@code size}, as start and end pairs; the tracker starts again. */
  long[] finish(long size) {
    note(size);
    long[] noted = count == 0 ? NONE : Arrays.copyOf(runs, 2 * count);
    reset();
    return noted;
  }

  void reset() {
    count = 0;
    runStart = 0;
  }

  private void note(long end) {
    if (end - runStart >= MIN_RUN && count < MAX_RUNS) {
      runs[2 * count] = runStart;
      runs[2 * count + 1] = end;
      count++;
    }
  }

  private static byte[] classes() {
    byte[] table = new byte[256];
    Arrays.fill(table, OTHER);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < chars.length(); i++) {
      table[chars.charAt(i)] = ALPHABET;
    }
    table['\n'] = LINE_END;
    table['\r'] = LINE_END;
    return table;
  }
}
