package dev.seedstream.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Runs of base64 noted by the parser answer exactly as a scan of the event's data would")
class Base64RunsTest {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final boolean[] IS_ALPHABET = alphabetTable();
  private static final BlockPool POOL = new BlockPool(16 << 20);

  @Property(tries = 100)
  void notedRunsAnswerAsAScanWould(@ForAll("data") String first, @ForAll("data") String second,
      @ForAll("lineEnds") String lineEnd, @ForAll @IntRange(min = 1, max = 70_000) int chunk, @ForAll long seed) {
    byte[] stream = (frame(first, lineEnd) + ": comment" + lineEnd + frame(second, lineEnd)).getBytes(StandardCharsets.UTF_8);
    List<SseEvent> events = parse(stream, chunk);

    assertThat(events).hasSize(2);
    assertAnswersAsAScan(events.get(0).payload(), first, seed);
    assertAnswersAsAScan(events.get(1).payload(), second, seed);
    events.forEach(event -> event.payload().release());
  }

  @Test
  @DisplayName("a 2 MiB image fed in small chunks is one noted run; its bounds are the event's own")
  void oneLargeImageIsOneRun() {
    String image = base64(2 << 20, 7);
    String json = "{\"type\":\"image_generation.partial_succeeded\",\"b64_json\":\"" + image + "\",\"size\":\"1x1\"}";
    // The second event proves that the runs start again for every event.
    byte[] stream = (frame("{\"a\":1}", "\n") + frame(json, "\r\n")).getBytes(StandardCharsets.UTF_8);
    EventData data = parse(stream, 1000).get(1).payload();

    long start = json.indexOf(image);
    assertThat(data.base64Runs()).containsExactly(start, start + image.length());
    assertThat(data.endOfBase64Run(start + 5, data.size())).isEqualTo(start + image.length());
    assertThat(data.endOfBase64Run(start + 5, start + 100)).isEqualTo(start + 100);
    data.release();
  }

  @Test
  @DisplayName("runs split by data lines are separate; beyond the cap, runs are scanned instead of noted")
  void linesSplitRunsAndTheCapHolds() {
    StringBuilder text = new StringBuilder();
    List<Long> starts = new ArrayList<>();
    for (int i = 0; i < Base64Runs.MAX_RUNS + 4; i++) {
      starts.add((long) text.length());
      text.append(base64(Base64Runs.MIN_RUN, i)).append(i % 2 == 0 ? "\n" : "\",\"");
    }
    EventData data = parse(frame(text.toString(), "\n").getBytes(StandardCharsets.UTF_8), 4096).get(0).payload();

    assertThat(data.base64Runs()).hasSize(2 * Base64Runs.MAX_RUNS);
    for (long start : starts) {
      assertThat(data.endOfBase64Run(start, data.size())).isEqualTo(start + Base64Runs.MIN_RUN);
    }
    data.release();
  }

  private static void assertAnswersAsAScan(EventData data, String text, long seed) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    assertThat(data.size()).isEqualTo(bytes.length);
    java.util.Random random = new java.util.Random(seed);
    List<Integer> froms = new ArrayList<>(List.of(0, bytes.length));
    for (int i = 0; i < 20; i++) {
      froms.add(random.nextInt(bytes.length + 1));
    }
    for (int i = 1; i < bytes.length; i++) {
      if (!isAlphabet(bytes[i - 1]) && isAlphabet(bytes[i])) {
        froms.add(i);
      }
    }
    for (int from : froms) {
      long end = scan(bytes, from);
      assertThat(data.endOfBase64Run(from, bytes.length)).as("from %d", from).isEqualTo(end);
      int to = from + random.nextInt(bytes.length - from + 1);
      assertThat(data.endOfBase64Run(from, to)).as("from %d to %d", from, to).isEqualTo(Math.min(end, to));
    }
    long[] runs = data.base64Runs();
    assertThat(runs.length).isLessThanOrEqualTo(2 * Base64Runs.MAX_RUNS);
    for (int r = 0; r < runs.length; r += 2) {
      assertThat(runs[r + 1] - runs[r]).isGreaterThanOrEqualTo(Base64Runs.MIN_RUN);
      assertThat(scan(bytes, (int) runs[r])).as("a noted run ends where the scan does").isEqualTo(runs[r + 1]);
      assertThat(runs[r] == 0 || !isAlphabet(bytes[(int) runs[r] - 1])).as("a noted run is whole").isTrue();
    }
  }

  private static long scan(byte[] bytes, int from) {
    int i = from;
    while (i < bytes.length && isAlphabet(bytes[i])) {
      i++;
    }
    return i;
  }

  private static boolean isAlphabet(byte b) {
    return IS_ALPHABET[b & 0xff];
  }

  private static boolean[] alphabetTable() {
    boolean[] table = new boolean[256];
    for (char c : ALPHABET.toCharArray()) {
      table[c] = true;
    }
    return table;
  }

  private static List<SseEvent> parse(byte[] stream, int chunk) {
    List<SseEvent> events = new ArrayList<>();
    SseParser parser = new SseParser(64 << 20, POOL, events::add);
    for (int at = 0; at < stream.length; at += chunk) {
      parser.feed(stream, at, Math.min(chunk, stream.length - at));
    }
    parser.end();
    return events;
  }

  private static String frame(String data, String lineEnd) {
    return "id: 1" + lineEnd + "data: " + data.replace("\n", lineEnd + "data: ") + lineEnd + lineEnd;
  }

  private static String base64(int length, long seed) {
    java.util.Random random = new java.util.Random(seed);
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = ALPHABET.charAt(random.nextInt(64));
    }
    return new String(chars);
  }

  @Provide
  Arbitrary<String> data() {
    Arbitrary<String> run = Arbitraries.oneOf(
      Arbitraries.integers().between(0, 40),
      Arbitraries.of(Base64Runs.MIN_RUN - 1, Base64Runs.MIN_RUN, Base64Runs.MIN_RUN + 1),
      Arbitraries.integers().between(Base64Runs.MIN_RUN, 60_000))
      .flatMap(length -> Arbitraries.longs().map(seed -> base64(length, seed)));
    Arbitrary<String> separator = Arbitraries.of("\"", ":", "=", "==", "\n", "é", "_", "{\"b64_json\":\"", "\\/", " ", "\u0000");
    return Arbitraries.oneOf(run, separator).list().ofMinSize(1).ofMaxSize(14).map(parts -> String.join("", parts));
  }

  @Provide
  Arbitrary<String> lineEnds() {
    return Arbitraries.of("\n", "\r\n", "\r");
  }
}
