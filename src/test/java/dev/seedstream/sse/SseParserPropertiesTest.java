package dev.seedstream.sse;

import static dev.seedstream.sse.SseParsing.chunked;
import static dev.seedstream.sse.SseParsing.utf8;
import static dev.seedstream.sse.SseParsing.whole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

class SseParserPropertiesTest {

  /** One outgoing event, optionally preceded by a comment; null event means no {@code event:} line. */
  record Frame(long id, String event, String data, String comment) {
  }

  @Property
  void chunkSplitDoesNotChangeTheEvents(@ForAll("frames") List<Frame> frames, @ForAll("chunkSizes") List<Integer> sizes) {
    byte[] stream = encode(frames);

    assertThat(whole(stream)).isEqualTo(expected(frames));
    assertThat(chunked(stream, sizes)).isEqualTo(expected(frames));
  }

  @Property
  void lineEndingsDoNotChangeTheEvents(@ForAll("frames") List<Frame> frames,
      @ForAll("lineEnds") List<String> mixedEnds, @ForAll("chunkSizes") List<Integer> sizes) {
    byte[] lf = encode(frames);
    List<SseEvent> expected = expected(frames);

    assertThat(whole(withLineEnds(lf, List.of("\r\n")))).isEqualTo(expected);
    assertThat(whole(withLineEnds(lf, List.of("\r")))).isEqualTo(expected);
    assertThat(chunked(withLineEnds(lf, List.of("\r\n")), sizes)).isEqualTo(expected);
    assertThat(chunked(withLineEnds(lf, mixedEnds), sizes)).isEqualTo(expected);
  }

  @Property
  void encodedEventRoundTripsWithoutInjection(@ForAll long id, @ForAll("texts") String event, @ForAll("texts") String data) {
    List<SseEvent> events = whole(SseFrames.event(id, event, data));

    assertThat(events).containsExactly(new SseEvent(Long.toString(id), stripped(event), normalised(data)));
  }

  @Property
  void idWithNulIsIgnored(@ForAll("texts") String text) {
    String id = stripped(text) + "\0" + stripped(text);

    assertThat(whole("id: 1\nid: " + id + "\ndata: x\n\n")).containsExactly(new SseEvent("1", null, "x"));
  }

  @Property
  void randomBytesOnlyEverFailWithTooLarge(@ForAll("noise") byte[] stream,
      @ForAll @IntRange(min = 1, max = 300) int cap, @ForAll("chunkSizes") List<Integer> sizes) {
    SseParser parser = new SseParser(cap, event -> { });
    try {
      feedChunks(parser, stream, sizes, cap);
      parser.end();
    } catch (SseEventTooLargeException tooLarge) {
      assertThat(parser.bufferedBytes()).isLessThanOrEqualTo(cap);
      assertThatThrownBy(() -> parser.feed(new byte[] {'\n'})).isInstanceOf(IllegalStateException.class);
    }
  }

  private static void feedChunks(SseParser parser, byte[] stream, List<Integer> sizes, int cap) {
    int offset = 0;
    for (int n = 0; offset < stream.length; n++) {
      int size = Math.min(sizes.get(n % sizes.size()), stream.length - offset);
      parser.feed(stream, offset, size);
      assertThat(parser.bufferedBytes()).isLessThanOrEqualTo((long) cap + size);
      offset += size;
    }
  }

  @Provide
  Arbitrary<List<Frame>> frames() {
    Arbitrary<String> comments = texts().injectNull(0.7);
    return Combinators.combine(Arbitraries.longs(), texts().injectNull(0.2), texts(), comments)
        .as(Frame::new)
        .list().ofMinSize(1).ofMaxSize(6);
  }

  @Provide
  Arbitrary<String> texts() {
    return codePoints().list().ofMaxSize(30)
        .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  /** Weighted toward the characters that matter to SSE framing; surrogates excluded as they are not text. */
  private static Arbitrary<Integer> codePoints() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.of((int) '\r', (int) '\n', 0, (int) ':', (int) ' ')),
        Tuple.of(6, Arbitraries.integers().between(0x20, 0x7E)),
        Tuple.of(1, Arbitraries.integers().between(0x01, 0x1F)),
        Tuple.of(2, Arbitraries.integers().between(0x80, 0xD7FF)),
        Tuple.of(1, Arbitraries.integers().between(0xE000, 0xFFFF)),
        Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF)));
  }

  @Provide
  Arbitrary<List<Integer>> chunkSizes() {
    return Arbitraries.integers().between(1, 40).list().ofMinSize(1).ofMaxSize(20);
  }

  @Provide
  Arbitrary<List<String>> lineEnds() {
    return Arbitraries.of("\n", "\r\n", "\r").list().ofMinSize(1).ofMaxSize(10);
  }

  @Provide
  Arbitrary<byte[]> noise() {
    Arbitrary<byte[]> tokens = Arbitraries.of("data", "data:", "data: ", "event:", "id:", "id: \0", "retry: 5",
        ":", " ", "\r", "\n", "\r\n", "[DONE]", "\uFEFF", "é").map(SseParsing::utf8);
    Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(40);
    Arbitrary<byte[]> tokenStream = Arbitraries.oneOf(tokens, randomBytes).list().ofMaxSize(80)
        .map(SseParserPropertiesTest::concat);
    return Arbitraries.oneOf(tokenStream, Arbitraries.bytes().array(byte[].class).ofMaxSize(2000));
  }

  private static byte[] encode(List<Frame> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame f : frames) {
      if (f.comment() != null) {
        out.writeBytes(SseFrames.comment(f.comment()));
      }
      out.writeBytes(SseFrames.event(f.id(), f.event(), f.data()));
    }
    return out.toByteArray();
  }

  private static List<SseEvent> expected(List<Frame> frames) {
    return frames.stream()
        .map(f -> new SseEvent(Long.toString(f.id()), f.event() == null ? null : stripped(f.event()), normalised(f.data())))
        .toList();
  }

  private static String stripped(String text) {
    return text.replaceAll("[\r\n\0]", "");
  }

  private static String normalised(String text) {
    return text.replace("\r\n", "\n").replace('\r', '\n').replace('\0', '\uFFFD');
  }

  /**
   * Replaces each LF with the next ending from {@code ends}, cycling. A bare CR directly followed by an LF
   * ending would fuse into one CRLF and swallow a blank line, so that LF becomes CRLF instead.
   */
  private static byte[] withLineEnds(byte[] lfStream, List<String> ends) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(lfStream.length * 2);
    int n = 0;
    byte previous = 0;
    for (byte b : lfStream) {
      if (b != '\n') {
        out.write(b);
        previous = b;
        continue;
      }
      String end = ends.get(n++ % ends.size());
      byte[] ending = utf8(previous == '\r' && end.equals("\n") ? "\r\n" : end);
      out.writeBytes(ending);
      previous = ending[ending.length - 1];
    }
    return out.toByteArray();
  }

  private static byte[] concat(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }
}
