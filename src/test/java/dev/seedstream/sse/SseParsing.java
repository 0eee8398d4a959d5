package dev.seedstream.sse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helpers that run an {@link SseParser} over a byte stream cut in different ways. */
final class SseParsing {

  static final int LARGE_CAP = 64 * 1024 * 1024;

  private SseParsing() {
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static List<SseEvent> whole(String text) {
    return whole(utf8(text));
  }

  static List<SseEvent> whole(byte[] bytes) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(LARGE_CAP, events::add);
    parser.feed(bytes);
    parser.end();
    return events;
  }

  static List<SseEvent> splitAt(byte[] bytes, int index) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(LARGE_CAP, events::add);
    parser.feed(bytes, 0, index);
    parser.feed(bytes, index, bytes.length - index);
    parser.end();
    return events;
  }

  /** Feeds consecutive chunks whose sizes cycle through {@code sizes}, each as its own array. */
  static List<SseEvent> chunked(byte[] bytes, List<Integer> sizes) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(LARGE_CAP, events::add);
    int offset = 0;
    for (int n = 0; offset < bytes.length; n++) {
      int size = sizes.isEmpty() ? bytes.length : Math.min(sizes.get(n % sizes.size()), bytes.length - offset);
      byte[] chunk = new byte[size];
      System.arraycopy(bytes, offset, chunk, 0, size);
      parser.feed(chunk);
      offset += size;
    }
    parser.end();
    return events;
  }

  static String withLineEnds(String lfText, String lineEnd) {
    return lfText.replace("\n", lineEnd);
  }
}
