package dev.seedstream.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The defaults are written once, in {@link Setting}; the checked-in file and the README must say the same. */
@DisplayName("One table of settings")
class SettingsTableTest {

  // | `SEEDSTREAM_PORT` | `8080` | … or | `SEEDSTREAM_TOKENS` | — | …
  private static final Pattern ROW = Pattern.compile("^\\| `(SEEDSTREAM_[A-Z_]+)`[^|]*\\| (`([^`]*)`|—) \\|", Pattern.MULTILINE);

  @Test
  @DisplayName("conf/config.json holds every setting, at its default, and nothing else")
  void fileMatchesTheTable() throws Exception {
    JsonObject file = new JsonObject(Files.readString(Path.of("conf/config.json")));
    for (Setting setting : Setting.values()) {
      assertThat(file.containsKey(setting.key)).as(setting.key + " in conf/config.json").isTrue();
      assertThat(String.valueOf(file.getValue(setting.key))).as(setting.key).isEqualTo(setting.fallback);
    }
    assertThat(file.size()).isEqualTo(Setting.values().length);
  }

  @Test
  @DisplayName("the README's configuration tables list every setting with the same default")
  void readmeMatchesTheTable() throws Exception {
    Map<String, String> documented = new HashMap<>();
    Matcher row = ROW.matcher(Files.readString(Path.of("README.md")));
    while (row.find()) {
      documented.put(row.group(1), row.group(3) == null ? "" : row.group(3));
    }
    for (Setting setting : Setting.values()) {
      assertThat(documented).as("README row for " + setting.env()).containsKey(setting.env());
      assertThat(documented.get(setting.env())).as(setting.env() + " default in the README").isEqualTo(setting.fallback);
    }
  }
}
