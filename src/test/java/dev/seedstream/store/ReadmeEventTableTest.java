package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's event table is what front-end developers code against: every field the gateway really sends in
 * an event must be in it, and the README must not state test counts that drift (issue 20 items 3 and 4).
 */
@DisplayName("The README's event reference")
class ReadmeEventTableTest {

  // | `image` | `{"index","url","size","elapsed_ms","durable_url"?}` (+ `b64_json` when asked for) …
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\| (.*?) \\|", Pattern.MULTILINE);
  private static final Pattern FIELD = Pattern.compile("\"([a-z_]+)\"|`([a-z_0-9]+)`");

  @TempDir
  Path dataDir;

  private final List<HistoryFixture> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    started.forEach(HistoryFixture::close);
  }

  @Test
  @DisplayName("every field of started, image (url and b64_json), completed and cancelled events is in the table")
  void everySentFieldIsDocumented() throws Exception {
    HistoryFixture gw = new HistoryFixture(dataDir);
    started.add(gw);
    Map<String, Set<String>> sent = new HashMap<>();
    record(sent, gw.run(HistoryFixture.body("two cats", 2, "")));
    record(sent, gw.run(HistoryFixture.body("a kite", 1, ",\"response_format\":\"b64_json\"")));
    assertThat(sent).containsKeys("started", "image", "completed");

    Map<String, Set<String>> documented = documentedFields(Files.readString(Path.of("README.md")));
    sent.forEach((event, fields) -> assertThat(documented.getOrDefault(event, Set.of()))
      .as("fields of the " + event + " event in the README's event table").containsAll(fields));
  }

  @Test
  @DisplayName("the README states no test counts, which drift; it says how to run the tests")
  void noTestCounts() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(readme).doesNotContainPattern("\\(\\d{3,}[,)]|\\b\\d{3,} tests\\b").contains("mvn -B verify");
  }

  private static void record(Map<String, Set<String>> sent, List<SseEvent> events) {
    for (SseEvent event : events) {
      sent.computeIfAbsent(event.event(), k -> new HashSet<>()).addAll(new JsonObject(event.data()).fieldNames());
    }
  }

  /** The event table's rows: the event name and every field name its data cell mentions. */
  static Map<String, Set<String>> documentedFields(String readme) {
    String section = readme.substring(readme.indexOf("### Events"));
    section = section.substring(0, section.indexOf("```"));
    Map<String, Set<String>> fields = new HashMap<>();
    Matcher row = ROW.matcher(section);
    while (row.find()) {
      Matcher field = FIELD.matcher(row.group(2));
      Set<String> names = new HashSet<>();
      while (field.find()) {
        names.add(field.group(1) != null ? field.group(1) : field.group(2));
      }
      fields.put(row.group(1), names);
    }
    return fields;
  }
}
