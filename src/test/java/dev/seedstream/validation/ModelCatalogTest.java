package dev.seedstream.validation;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogTest {

  private static final Path CATALOGUE = Path.of("conf/models.json");
  private static final String V45 = "doubao-seedream-4-5-251128";
  private static final String V40 = "doubao-seedream-4-0-250828";

  @TempDir
  Path dir;

  @Test
  @DisplayName("conf/models.json loads with both seed models and their seed limits")
  void loadsTheCatalogue() {
    ModelCatalog catalog = ModelCatalog.load(CATALOGUE);
    assertThat(catalog.defaultModel()).isEqualTo(V45);
    assertThat(catalog.find("doubao-seedream-3-0")).isEmpty();
    ModelSpec v45 = catalog.find(V45).orElseThrow();
    ModelSpec v40 = catalog.find(V40).orElseThrow();
    assertThat(v45.pixels()).isEqualTo(new Bounds(3_686_400, 16_777_216));
    assertThat(v40.pixels()).isEqualTo(new Bounds(921_600, 16_777_216));
    assertThat(v45.aspectRatio()).isEqualTo(new RatioRange(new Ratio(1, 16), new Ratio(16, 1)));
    assertThat(v45.optimizePromptModes()).containsExactly("standard");
    assertThat(v40.optimizePromptModes()).containsExactly("standard", "fast");
    assertThat(v45.referenceImages().maxCount()).isEqualTo(10);
    assertThat(v45.referenceImages().maxBytes()).isEqualTo(10_485_760);
    assertThat(v45.referenceImages().aspectRatio()).isEqualTo(new RatioRange(new Ratio(1, 3), new Ratio(3, 1)));
  }

  @Test
  @DisplayName("toJson is the catalogue itself, key for key, with every limit")
  void toJsonServesTheCatalogue() throws IOException {
    JsonObject served = ModelCatalog.load(CATALOGUE).toJson();
    assertThat(served).isEqualTo(new JsonObject(Files.readString(CATALOGUE)));
    JsonObject v45 = served.getJsonObject("models").getJsonObject(V45);
    assertThat(v45.getJsonObject("pixels").getLong("min")).isEqualTo(3_686_400L);
    assertThat(v45.getJsonObject("aspect_ratio").getString("max")).isEqualTo("16/1");
    assertThat(v45.getJsonObject("reference_images").getLong("max_pixels")).isEqualTo(36_000_000L);
    assertThat(v45.getJsonObject("max_images").getInteger("max")).isEqualTo(15);
  }

  @Test
  @DisplayName("a size class counts as its largest recommended size; no size as the default size")
  void largestOutputOfASize() {
    ModelSpec v45 = ModelCatalog.load(CATALOGUE).find(V45).orElseThrow();
    assertThat(v45.largestOutput("4K")).isEqualTo(new PixelSize(4096, 4096));
    assertThat(v45.largestOutput("2K")).isEqualTo(new PixelSize(2048, 2048));
    assertThat(v45.largestOutput(null)).isEqualTo(new PixelSize(2048, 2048));
    assertThat(v45.largestOutput("3750x1250")).isEqualTo(new PixelSize(3750, 1250));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "pixels min above max     | pixels.min=20000000                   | model doubao-seedream-4-5-251128: pixels.min 20000000 is above pixels.max",
    "ratio not rational       | aspect_ratio.min=\"1:16\"                | models.doubao-seedream-4-5-251128.aspect_ratio.min",
    "ratio range reversed     | aspect_ratio.min=\"17/1\"                | model doubao-seedream-4-5-251128: aspect_ratio.min 17/1 is above",
    "missing key              | -pixels                               | pixels",
    "misspelt key             | +pixel                                | models.doubao-seedream-4-5-251128.pixel",
    "string for a number      | reference_images.max_bytes=\"10MB\"     | models.doubao-seedream-4-5-251128.reference_images.max_bytes",
    "float for an integer     | max_total_images=15.5                 | models.doubao-seedream-4-5-251128.max_total_images",
    "unreadable image format  | reference_images.formats=[\"webp\"]     | model doubao-seedream-4-5-251128: reference_images.formats",
    "recommended size off range | default_size=\"1000x1000\"           | model doubao-seedream-4-5-251128: default_size: 1000x1000 is outside the model's pixels range",
    "no modes                 | optimize_prompt_modes=[]              | model doubao-seedream-4-5-251128: optimize_prompt_modes must not be empty",
    "price currency lower case | price.currency=\"usd\"             | model doubao-seedream-4-5-251128: price.currency must be a three-letter code",
    "price without an amount  | price={\"currency\":\"USD\",\"source\":\"x\",\"read_on\":\"2026-01-01\"} | price needs per_image or per_million_output_tokens",
  })
  void rejectsABrokenModel(String name, String edit, String expected) throws IOException {
    Path broken = writeCatalogue(catalogue -> apply(catalogue.getJsonObject("models").getJsonObject(V45), edit));
    assertThatThrownBy(() -> ModelCatalog.load(broken))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith(broken.toString())
      .hasMessageContaining(expected);
  }

  @Test
  @DisplayName("a default model that is not in the catalogue is named")
  void rejectsAnUnknownDefaultModel() throws IOException {
    Path broken = writeCatalogue(catalogue -> catalogue.put("default_model", "doubao-seedream-9"));
    assertThatThrownBy(() -> ModelCatalog.load(broken))
      .hasMessageContaining("default_model: \"doubao-seedream-9\" is not one of the models");
  }

  @Test
  @DisplayName("a file that is not JSON says so")
  void rejectsMalformedJson() throws IOException {
    Path broken = Files.writeString(dir.resolve("models.json"), "{\"default_model\": ");
    assertThatThrownBy(() -> ModelCatalog.load(broken)).hasMessageContaining("not valid JSON");
  }

  private Path writeCatalogue(Consumer<JsonObject> edit) throws IOException {
    JsonObject catalogue = new JsonObject(Files.readString(CATALOGUE));
    edit.accept(catalogue);
    return Files.writeString(dir.resolve("models.json"), catalogue.encodePrettily());
  }

  /** {@code a.b=<json>} sets a nested value, {@code -key} removes a key, {@code +key} adds one. */
  private static void apply(JsonObject model, String edit) {
    if (edit.startsWith("-")) {
      model.remove(edit.substring(1));
    } else if (edit.startsWith("+")) {
      model.put(edit.substring(1), 1);
    } else {
      String[] keyValue = edit.split("=", 2);
      String[] path = keyValue[0].split("\\.");
      JsonObject target = model;
      for (int i = 0; i < path.length - 1; i++) {
        target = target.getJsonObject(path[i]);
      }
      Object value = new JsonObject("{\"v\":" + keyValue[1] + "}").getValue("v");
      target.put(path[path.length - 1], value);
    }
  }
}
