package dev.seedstream.upstream;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.Map;

/**
 * Takes the upstream key out of text the gateway is about to send or log. An upstream that echoes the key
 * may change its case or cut a few characters off, so any run of at least {@value #RUN} characters of the
 * key counts, whatever their case (the whole key, when it is shorter). Keys of every provider are plain
 * ASCII (DMXAPI's {@code sk-…}, Ark's UUIDs), so no shape of key is assumed: only its characters.
 * <p>
 * One scan serves whole strings and streams that arrive in pieces: it reads one character at a time and
 * holds back at most {@value #RUN} of them, and only while they could still turn out to be part of the key.
 */
public final class KeyRedactor {

  public static final String REDACTED = "[redacted]";
  /** Twelve characters are more than any word or number an error message carries next to the key. */
  static final int RUN = 12;
  private static final long BASE = 0x100000001B3L;

  private final String foldedKey;
  private final int width;
  private final long[] pieceHashes;
  private final boolean[] alphabet = new boolean[128];
  private final long leavingWeight;

  public KeyRedactor(String key) {
    String k = key == null ? "" : key;
    StringBuilder folded = new StringBuilder(k.length());
    for (int i = 0; i < k.length(); i++) {
      folded.append(fold(k.charAt(i)));
    }
    foldedKey = folded.toString();
    width = Math.min(RUN, foldedKey.length());
    long weight = 1;
    for (int i = 1; i < width; i++) {
      weight *= BASE;
    }
    leavingWeight = weight;
    pieceHashes = width == 0 ? new long[0] : new long[foldedKey.length() - width + 1];
    for (int i = 0; i < pieceHashes.length; i++) {
      pieceHashes[i] = hash(foldedKey, i, width);
    }
    Arrays.sort(pieceHashes);
    for (char c : foldedKey.toCharArray()) {
      if (c < 128) {
        alphabet[c] = true;
      }
    }
  }

  /** {@code text} with every run of the key replaced by {@value #REDACTED}. */
  public String redact(String text) {
    if (text == null || width == 0 || !foundIn(text::charAt, 0, text.length())) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    Scan scan = new Scan(out::append);
    for (int i = 0; i < text.length(); i++) {
      scan.accept(text.charAt(i));
    }
    scan.finish();
    return out.toString();
  }

  /**
   * Decoded JSON (object, array or scalar) with the key taken out of every name and string: {@code value}
   * itself when nothing in it holds a run of the key (nearly always), else a copy.
   */
  public Object redactJson(Object value) {
    if (!mentionedIn(value)) {
      return value;
    }
    if (value instanceof String s) {
      return redact(s);
    }
    if (value instanceof JsonObject object) {
      JsonObject copy = new JsonObject();
      for (Map.Entry<String, Object> field : object) {
        copy.put(redact(field.getKey()), redactJson(field.getValue()));
      }
      return copy;
    }
    if (value instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(redactJson(item)));
      return copy;
    }
    return value;
  }

  /** Whether a name or string anywhere in decoded JSON holds a run of the key; allocates nothing for a scalar. */
  private boolean mentionedIn(Object value) {
    if (value instanceof String s) {
      return foundIn(s::charAt, 0, s.length());
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> field : object) {
        if (mentionedIn(field.getKey()) || mentionedIn(field.getValue())) {
          return true;
        }
      }
      return false;
    }
    if (value instanceof JsonArray array) {
      for (Object item : array) {
        if (mentionedIn(item)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@link #redact} would change these bytes, each read as one ISO-8859-1 character: a check that
   * allocates nothing, so a line without the key (nearly every line) costs one pass over its bytes.
   */
  boolean foundIn(Buffer bytes, int from, int to) {
    return foundIn(i -> (char) (bytes.getByte(i) & 0xff), from, to);
  }

  /** Text read one character at a time, wherever it is held. */
  @FunctionalInterface
  private interface Chars {
    char at(int index);
  }

  /** Whether the characters from {@code from} to {@code to} hold a run of the key: one pass, rolling hash. */
  private boolean foundIn(Chars text, int from, int to) {
    if (width == 0) {
      return false;
    }
    long rolling = 0;
    int run = 0;
    for (int i = from; i < to; i++) {
      char f = fold(text.at(i));
      if (f >= 128 || !alphabet[f]) {
        run = 0;
        rolling = 0;
        continue;
      }
      if (run >= width) {
        rolling -= fold(text.at(i - width)) * leavingWeight;
      }
      rolling = rolling * BASE + f;
      run++;
      if (run >= width && Arrays.binarySearch(pieceHashes, rolling) >= 0 && keyAt(text, i - width + 1)) {
        return true;
      }
    }
    return false;
  }

  /** The hash matched: whether the {@code width} characters from {@code start} really are a piece of the key. */
  private boolean keyAt(Chars text, int start) {
    StringBuilder piece = new StringBuilder(width);
    for (int i = start; i < start + width; i++) {
      piece.append(fold(text.at(i)));
    }
    return foldedKey.contains(piece);
  }

  /** A scan over characters that arrive in pieces, writing what is safe to {@code out} as soon as it is. */
  Scan scan(CharSink out) {
    return new Scan(out);
  }

  /** Where a scan writes; for bytes, each character is one ISO-8859-1 byte. */
  @FunctionalInterface
  interface CharSink {
    void put(char c);
  }

  /**
   * Case folding of one character. Character-wise rather than {@code String.toLowerCase}, which may change
   * a string's length and would put the scan's positions out of step with the text's.
   */
  private static char fold(char c) {
    return Character.toLowerCase(Character.toUpperCase(c));
  }

  private static long hash(CharSequence text, int from, int length) {
    long h = 0;
    for (int i = from; i < from + length; i++) {
      h = h * BASE + text.charAt(i);
    }
    return h;
  }

  /**
   * The state of one scan: a rolling hash over the last {@code width} characters, all of the key's
   * alphabet, and the characters not yet written (never more than {@code width}, all within that window).
   * A character outside the key's alphabet ends every possible match, so everything held goes out then.
   */
  final class Scan {

    private final CharSink out;
    private final char[] window = new char[width];
    private final char[] held = new char[width];
    private int heldCount;
    private int run;
    private int next;
    private long rolling;
    private boolean justRedacted;

    private Scan(CharSink out) {
      this.out = out;
    }

    void accept(char c) {
      char f = fold(c);
      if (width == 0 || f >= 128 || !alphabet[f]) {
        finish();
        out.put(c);
        justRedacted = false;
        return;
      }
      roll(f);
      held[heldCount++] = c;
      if (run >= width && matchesKey()) {
        heldCount = 0;
        if (!justRedacted) {
          writeRedacted();
        }
      } else if (heldCount == width) {
        out.put(held[0]);
        System.arraycopy(held, 1, held, 0, --heldCount);
        justRedacted = false;
      }
    }

    /** Writes whatever is held: the text has ended, or the next piece will not continue it. */
    void finish() {
      for (int i = 0; i < heldCount; i++) {
        out.put(held[i]);
        justRedacted = false;
      }
      heldCount = 0;
      run = 0;
      rolling = 0;
    }

    private void roll(char f) {
      if (run >= width) {
        rolling -= window[next] * leavingWeight;
      }
      rolling = rolling * BASE + f;
      window[next] = f;
      next = (next + 1) % width;
      run++;
    }

    private boolean matchesKey() {
      if (Arrays.binarySearch(pieceHashes, rolling) < 0) {
        return false;
      }
      StringBuilder piece = new StringBuilder(width);
      for (int i = 0; i < width; i++) {
        piece.append(window[(next + i) % width]);
      }
      return foldedKey.contains(piece);
    }

    private void writeRedacted() {
      for (int i = 0; i < REDACTED.length(); i++) {
        out.put(REDACTED.charAt(i));
      }
      justRedacted = true;
    }
  }
}
