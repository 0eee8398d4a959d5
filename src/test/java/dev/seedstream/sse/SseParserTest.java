package dev.seedstream.sse;

import static dev.seedstream.sse.SseParsing.chunked;
import static dev.seedstream.sse.SseParsing.splitAt;
import static dev.seedstream.sse.SseParsing.utf8;
import static dev.seedstream.sse.SseParsing.whole;
import static dev.seedstream.sse.SseParsing.withLineEnds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SseParserTest {

  private static final String PARTIAL_SUCCEEDED = "image_generation.partial_succeeded";
  private static final String PARTIAL_FAILED = "image_generation.partial_failed";
  private static final String COMPLETED = "image_generation.completed";
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  private static SseEvent data(String data) {
    return new SseEvent(null, null, data);
  }

  static Stream<Arguments> lineEndings() {
    List<SseEvent> ab = List.of(data("a\nb"), data("c"));
    return Stream.of(
        Arguments.of("LF", "data: a\ndata: b\n\ndata: c\n\n", ab),
        Arguments.of("CRLF", "data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n", ab),
        Arguments.of("CR", "data: a\rdata: b\r\rdata: c\r\r", ab),
        Arguments.of("mixed", "data: a\r\ndata: b\r\rdata: c\n\r\n", ab),
        Arguments.of("LF then CR is two line ends", "data: a\n\rdata: c\n\n", List.of(data("a"), data("c"))),
        Arguments.of("CR CR LF is blank line then nothing", "data: a\r\r\ndata: c\n\n", List.of(data("a"), data("c"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lineEndings")
  void acceptsEveryLineEnding(String name, String stream, List<SseEvent> expected) {
    assertThat(whole(stream)).containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> fieldRules() {
    return Stream.of(
        Arguments.of("comment ignored", ": keep-alive\ndata: x\n\n", List.of(data("x"))),
        Arguments.of("comment only", ":\n: hi\n\n", List.of()),
        Arguments.of("data without space", "data:x\n\n", List.of(data("x"))),
        Arguments.of("data with space", "data: x\n\n", List.of(data("x"))),
        Arguments.of("only one space stripped", "data:  x \n\n", List.of(data(" x "))),
        Arguments.of("colons in value kept", "data: a:b: c\n\n", List.of(data("a:b: c"))),
        Arguments.of("empty data value", "data:\n\n", List.of(data(""))),
        Arguments.of("field name without colon", "data\n\n", List.of(data(""))),
        Arguments.of("two empty data lines", "data\ndata\n\n", List.of(data("\n"))),
        Arguments.of("multi-line data", "data: a\ndata: b\ndata: c\n\n", List.of(data("a\nb\nc"))),
        Arguments.of("event type", "event: foo\ndata: x\n\n", List.of(new SseEvent(null, "foo", "x"))),
        Arguments.of("last event line wins", "event: a\nevent: b\ndata: x\n\n", List.of(new SseEvent(null, "b", "x"))),
        Arguments.of("empty event type", "event\ndata: x\n\n", List.of(new SseEvent(null, "", "x"))),
        Arguments.of("id", "id: 7\ndata: x\n\n", List.of(new SseEvent("7", null, "x"))),
        Arguments.of("id with NUL ignored", "id: a\0b\ndata: x\n\n", List.of(data("x"))),
        Arguments.of("id with NUL keeps earlier id", "id: 1\nid: a\0b\ndata: x\n\n", List.of(new SseEvent("1", null, "x"))),
        Arguments.of("all fields", "id: 3\nevent: e\ndata: d\n\n", List.of(new SseEvent("3", "e", "d"))),
        Arguments.of("retry ignored", "retry: 100\ndata: x\n\n", List.of(data("x"))),
        Arguments.of("unknown fields ignored", "foo: bar\ndat: y\ndatax: z\nDATA: w\nidentity: v\ndata: x\n\n", List.of(data("x"))),
        Arguments.of("unknown field alone", "foo: bar\n\n", List.of()),
        Arguments.of("blank lines without data dispatch nothing", "\n\n\nevent: a\nid: 1\n\n\n", List.of()),
        Arguments.of("state reset after blank line", "event: a\nid: 1\n\ndata: x\n\n", List.of(data("x"))),
        Arguments.of("extra blank lines", "data: x\n\n\n\ndata: y\n\n", List.of(data("x"), data("y"))),
        Arguments.of("DONE is ordinary data", "data: [DONE]\n\n", List.of(data("[DONE]"))),
        Arguments.of("BOM skipped", "\uFEFFdata: x\n\n", List.of(data("x"))),
        Arguments.of("BOM only at stream start", "data: x\n\n\uFEFFdata: y\n\n", List.of(data("x"))),
        Arguments.of("unicode data", "data: 画像 ✓ 😀\n\n", List.of(data("画像 ✓ 😀"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fieldRules")
  void appliesFieldRules(String name, String stream, List<SseEvent> expected) {
    assertThat(whole(stream)).containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> endOfInput() {
    return Stream.of(
        Arguments.of("DONE without final blank line", "data: x\n\ndata: [DONE]\n", List.of(data("x"), data("[DONE]"))),
        Arguments.of("DONE without any line end", "data: x\n\ndata: [DONE]", List.of(data("x"), data("[DONE]"))),
        Arguments.of("partial multi-line data", "data: a\ndata: b", List.of(data("a\nb"))),
        Arguments.of("last line ends with CR", "data: x\r", List.of(data("x"))),
        Arguments.of("partial event field only", "data: x\n\nevent: foo", List.of(data("x"))),
        Arguments.of("partial data field name", "dat", List.of()),
        Arguments.of("bare data name", "data", List.of(data(""))),
        Arguments.of("partial comment", ": never ends", List.of()),
        Arguments.of("empty stream", "", List.of()),
        Arguments.of("BOM only", "\uFEFF", List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endOfInput")
  void endCompletesTheLastLineAndEvent(String name, String stream, List<SseEvent> expected) {
    assertThat(whole(stream)).containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> transcripts() {
    return Stream.of(
        Arguments.of("T1", SseTranscripts.T1,
            Arrays.asList(PARTIAL_SUCCEEDED, PARTIAL_SUCCEEDED, PARTIAL_SUCCEEDED, COMPLETED, null), true),
        Arguments.of("T3", SseTranscripts.T3,
            Arrays.asList(PARTIAL_SUCCEEDED, PARTIAL_FAILED, PARTIAL_SUCCEEDED, COMPLETED, null), true),
        Arguments.of("T4", SseTranscripts.T4,
            Arrays.asList(PARTIAL_SUCCEEDED, PARTIAL_FAILED, COMPLETED, null), true),
        Arguments.of("T7", SseTranscripts.T7, Arrays.asList(PARTIAL_SUCCEEDED, null), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transcripts")
  void parsesUpstreamTranscripts(String name, String transcript, List<String> eventNames, boolean endsWithDone) {
    List<SseEvent> events = whole(transcript);

    assertThat(events).extracting(SseEvent::event).containsExactlyElementsOf(eventNames);
    assertThat(events).extracting(SseEvent::data).containsExactlyElementsOf(dataLinesOf(transcript));
    assertThat(events).extracting(SseEvent::id).containsOnlyNulls();
    assertThat(events).filteredOn(e -> e.data().equals("[DONE]")).hasSize(endsWithDone ? 1 : 0);
    if (endsWithDone) {
      assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    }
  }

  @Test
  void transcriptsKeepTheirJsonTypeInTheEventName() {
    List<SseEvent> events = whole(SseTranscripts.T3);

    assertThat(events.get(1).data()).startsWith("{\"type\":\"" + PARTIAL_FAILED + "\"")
        .contains("OutputImageSensitiveContentDetected");
    assertThat(whole(SseTranscripts.T7).get(1).data()).startsWith("{\"error\":");
  }

  /** Each transcript event has exactly one data line, so the expected data is that line minus its prefix. */
  private static List<String> dataLinesOf(String transcript) {
    return transcript.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring("data: ".length())).toList();
  }

  static Stream<Arguments> transcriptsInEveryLineEnding() {
    List<Arguments> cases = new ArrayList<>();
    String[][] transcripts = {{"T1", SseTranscripts.T1}, {"T3", SseTranscripts.T3}, {"T4", SseTranscripts.T4}};
    for (String[] t : transcripts) {
      for (String[] ending : new String[][] {{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}}) {
        cases.add(Arguments.of(t[0] + " " + ending[0], withLineEnds(t[1], ending[1]), t[1]));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transcriptsInEveryLineEnding")
  void everyTwoChunkSplitYieldsTheSameEvents(String name, String stream, String lfTranscript) {
    List<SseEvent> expected = whole(lfTranscript);
    byte[] bytes = utf8(stream);

    assertThat(whole(bytes)).isEqualTo(expected);
    for (int i = 0; i <= bytes.length; i++) {
      assertThat(splitAt(bytes, i)).as("split at %d", i).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transcriptsInEveryLineEnding")
  void singleByteChunksYieldTheSameEvents(String name, String stream, String lfTranscript) {
    assertThat(chunked(utf8(stream), List.of(1))).isEqualTo(whole(lfTranscript));
  }

  @Test
  void crAtChunkEndFollowedByLfIsOneLineEnd() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(KIB, events::add);

    parser.feed(utf8("data: a\r"));
    parser.feed(utf8("\ndata: b\r"));
    parser.feed(utf8("\n"));
    assertThat(events).isEmpty();
    parser.feed(utf8("\r"));
    parser.feed(utf8("\ndata: c\n\n"));

    assertThat(events).containsExactly(data("a\nb"), data("c"));
  }

  @Test
  void deliversEachEventSynchronouslyAtItsBlankLine() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(KIB, events::add);

    parser.feed(utf8("event: e\ndata: x\n"));
    assertThat(events).isEmpty();
    assertThat(parser.bufferedBytes()).isEqualTo(2);
    parser.feed(utf8("\nda"));

    assertThat(events).containsExactly(new SseEvent(null, "e", "x"));
    assertThat(parser.bufferedBytes()).isEqualTo(2);
  }

  @Test
  void bomSplitAcrossChunksIsSkipped() {
    assertThat(chunked(utf8("\uFEFFdata: x\n\n"), List.of(1))).containsExactly(data("x"));
  }

  @Test
  void partialBomIsTreatedAsContent() {
    byte[] stream = {(byte) 0xEF, (byte) 0xBB, 'x', '\n', 'd', 'a', 't', 'a', ':', 'y', '\n', '\n'};

    assertThat(chunked(stream, List.of(1))).containsExactly(data("y"));
    assertThat(whole(stream)).containsExactly(data("y"));
  }

  @Test
  void invalidUtf8BecomesReplacementCharacter() {
    byte[] stream = {'d', 'a', 't', 'a', ':', 'a', (byte) 0xFF, (byte) 0xC3, 'b', '\n',
        'e', 'v', 'e', 'n', 't', ':', (byte) 0x80, '\n', '\n'};

    assertThat(whole(stream)).containsExactly(new SseEvent(null, "\uFFFD", "a\uFFFD\uFFFDb"));
  }

  @Test
  void multiByteCharacterSplitAcrossChunksDecodesWhole() {
    byte[] stream = utf8("data: é😀\n\n");

    for (int i = 0; i <= stream.length; i++) {
      assertThat(splitAt(stream, i)).containsExactly(data("é😀"));
    }
  }

  @Test
  void twentyMibDataLineParsesInLinearTime() {
    int size = 20 * MIB;
    byte[] stream = bigEvent("event: big\ndata: ", size, "\n\n");
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(24 * MIB, events::add);

    long start = System.nanoTime();
    feedInChunks(parser, stream, 64 * KIB);
    parser.end();
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(events).hasSize(1);
    assertThat(events.get(0).event()).isEqualTo("big");
    assertThat(events.get(0).data()).hasSize(size).startsWith("xxxx").endsWith("xxxx");
    assertThat(millis).as("parse time in ms").isLessThan(2_000);
    assertThat(parser.bufferedBytes()).isZero();
  }

  @Test
  void eventOverTheCapThrowsWhileBufferingAtMostTheCap() {
    int cap = MIB;
    int chunk = 64 * KIB;
    byte[] stream = bigEvent("data: ", 2 * MIB, "\n\n");
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(cap, events::add);

    assertThatThrownBy(() -> {
      for (int offset = 0; offset < stream.length; offset += chunk) {
        parser.feed(stream, offset, Math.min(chunk, stream.length - offset));
        assertThat(parser.bufferedBytes()).isLessThanOrEqualTo(cap + chunk);
      }
    }).isInstanceOf(SseEventTooLargeException.class).hasMessageContaining(String.valueOf(cap));

    assertThat(parser.bufferedBytes()).isLessThanOrEqualTo(cap + chunk);
    assertThat(events).isEmpty();
    assertThatThrownBy(() -> parser.feed(utf8("\n\n"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(parser::end).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void capCountsAllLinesOfTheEvent() {
    SseParser parser = new SseParser(100, event -> { });
    byte[] line = utf8("data: 0123456789\n");

    assertThatThrownBy(() -> {
      for (int i = 0; i < 10; i++) {
        parser.feed(line);
      }
    }).isInstanceOf(SseEventTooLargeException.class);
  }

  @Test
  void eventExactlyAtTheCapIsAccepted() {
    String kept = "event: e\ndata: 12345\n";
    int cap = kept.length() - 2;
    List<SseEvent> events = new ArrayList<>();

    new SseParser(cap, events::add).feed(utf8(kept + "\n"));
    SseParser tooSmall = new SseParser(cap - 1, e -> { });

    assertThat(events).containsExactly(new SseEvent(null, "e", "12345"));
    assertThatThrownBy(() -> tooSmall.feed(utf8(kept))).isInstanceOf(SseEventTooLargeException.class);
  }

  @Test
  void capAppliesPerEvent() {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(20, events::add);

    for (int i = 0; i < 100; i++) {
      parser.feed(utf8("data: 0123456789\n\n"));
    }

    assertThat(events).hasSize(100);
  }

  static Stream<Arguments> ignoredGiantLines() {
    return Stream.of(
        Arguments.of("comment", ": "),
        Arguments.of("unknown field", "x-padding: "),
        Arguments.of("retry", "retry: "),
        Arguments.of("name without colon", "padding"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ignoredGiantLines")
  void giantIgnoredLineIsNotBuffered(String name, String prefix) {
    byte[] stream = bigEvent(prefix, 8 * MIB, "\ndata: ok\n\n");
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(KIB, events::add);

    for (int offset = 0; offset < stream.length; offset += 64 * KIB) {
      parser.feed(stream, offset, Math.min(64 * KIB, stream.length - offset));
      assertThat(parser.bufferedBytes()).isLessThanOrEqualTo(8);
    }
    parser.end();

    assertThat(events).containsExactly(data("ok"));
  }

  @Test
  void feedAfterEndIsRejected() {
    SseParser parser = new SseParser(KIB, e -> { });
    parser.end();

    assertThatThrownBy(() -> parser.feed(utf8("data: x\n\n"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void rejectsNonPositiveCap() {
    assertThatThrownBy(() -> new SseParser(0, e -> { })).isInstanceOf(IllegalArgumentException.class);
  }

  private static byte[] bigEvent(String prefix, int payloadBytes, String suffix) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(payloadBytes + 64);
    out.writeBytes(utf8(prefix));
    byte[] payload = new byte[payloadBytes];
    Arrays.fill(payload, (byte) 'x');
    out.writeBytes(payload);
    out.writeBytes(utf8(suffix));
    return out.toByteArray();
  }

  private static void feedInChunks(SseParser parser, byte[] stream, int chunk) {
    for (int offset = 0; offset < stream.length; offset += chunk) {
      parser.feed(stream, offset, Math.min(chunk, stream.length - offset));
    }
  }
}
