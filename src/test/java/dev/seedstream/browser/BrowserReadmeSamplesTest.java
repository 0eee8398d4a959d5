package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.support.Await;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "From a front-end app" samples, run exactly as printed. The test cuts each
 * {@code <!-- sample: NAME -->} code block out of README.md, serves it from the gateway's own origin
 * next to a small page that supplies the callbacks the samples leave to the reader ({@code show},
 * {@code done}, {@code handle}, {@code fail}), and drives it against the embedded simulator. A sample
 * that drifts from what works fails here.
 */
@DisplayName("The README's front-end samples, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserReadmeSamplesTest extends BrowserTestBase {

  static final Path README = Path.of("README.md");
  static final String SECTION = "### From a front-end app";
  static final Pattern SAMPLE = Pattern.compile("<!-- sample: ([a-z]+)[^>]*-->\\n```js\\n(.*?)\\n```", Pattern.DOTALL);

  /** The reader's side of the samples: it records what they report and prints it as text. */
  static final String CALLBACKS = """
    'use strict';
    window.shown = [];
    window.events = [];
    window.ended = null;
    window.failure = null;
    function log(line) {
      document.getElementById('log').append(line + '\\n');
    }
    function show(image) {
      window.shown.push(image.index);
      log('image ' + image.index);
    }
    function done(type, data) {
      window.ended = { type, data };
      log('done: ' + type);
    }
    function handle(type, data) {
      window.events.push(type);
      if (type === 'image') show(data);
      if (['completed', 'error', 'cancelled'].includes(type)) done(type, data);
    }
    function fail(code, lines) {
      window.failure = { code, lines };
      log('failed: ' + code + '\\n' + lines.join('\\n'));
    }
    """;

  static final String PAGE = """
    <!doctype html>
    <meta charset="utf-8">
    <title>README samples</title>
    <script src="callbacks.js"></script>
    <script src="eventsource.js"></script>
    <script src="fetch.js"></script>
    <pre id="log"></pre>
    """;

  static final Map<String, Object> GROUP_OF_THREE = Map.of(
    "model", "doubao-seedream-4-5-251128",
    "prompt", "three foxes in the snow",
    "sequential_image_generation", "auto",
    "sequential_image_generation_options", Map.of("max_images", 3));

  HeldImages images;

  /** The gateway serves a web root holding the README's samples instead of its own page. */
  void startGateway(Path webRoot, Path dataDir) throws IOException {
    Map<String, String> samples = readmeSamples();
    assertThat(samples).as("the marked samples in the README").containsOnlyKeys("eventsource", "fetch");
    Files.writeString(webRoot.resolve("index.html"), PAGE);
    Files.writeString(webRoot.resolve("callbacks.js"), CALLBACKS);
    for (Map.Entry<String, String> sample : samples.entrySet()) {
      Files.writeString(webRoot.resolve(sample.getKey() + ".js"), sample.getValue());
    }
    gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "16",
      "SEEDSTREAM_WEB_ROOT", webRoot.toAbsolutePath().toString(),
      "SEEDSTREAM_DATA_DIR", dataDir.toString())), UnaryOperator.identity()));
    images = new HeldImages(gateway.simulator());
  }

  static Map<String, String> readmeSamples() throws IOException {
    String readme = Files.readString(README).replace("\r\n", "\n");
    int start = readme.indexOf(SECTION);
    assertThat(start).as("the README section " + SECTION).isNotNegative();
    int end = readme.indexOf("\n### ", start + SECTION.length());
    Matcher sample = SAMPLE.matcher(readme.substring(start, end < 0 ? readme.length() : end));
    Map<String, String> samples = new LinkedHashMap<>();
    while (sample.find()) {
      samples.put(sample.group(1), sample.group(2) + "\n");
    }
    return samples;
  }

  void openSamples(int port) {
    driver().get("http://127.0.0.1:" + port + "/");
    waiting().until(d -> Boolean.TRUE.equals(driver().executeScript(
      "return typeof generateWithEventSource === 'function' && typeof generateWithFetch === 'function';")));
  }

  /** Starts a sample without waiting for it; anything it throws is kept in window.thrown. */
  void run(String function, Map<String, Object> request) {
    driver().executeScript("window[arguments[0]](arguments[1]).catch((e) => { window.thrown = String(e); });",
      function, request);
  }

  Object page(String expression) {
    return driver().executeScript("return " + expression + ";");
  }

  void awaitShown(List<Long> indexes) {
    waiting().withMessage("images shown " + indexes).until(d -> indexes.equals(page("window.shown")));
  }

  void awaitEnded(String type) {
    waiting().withMessage("the sample reporting " + type)
      .until(d -> type.equals(page("window.ended && window.ended.type")));
  }

  @Test
  @DisplayName("EventSource sample: images arrive, and after a dropped connection it reconnects with Last-Event-ID and loses nothing")
  void eventSourceSampleSurvivesDrop(@TempDir Path webRoot, @TempDir Path dataDir) throws IOException {
    startGateway(webRoot, dataDir);
    proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    openSamples(proxy.port());
    run("generateWithEventSource", GROUP_OF_THREE);

    images.releaseNext();
    awaitShown(List.of(0L));
    Await.result(proxy.cutAll());
    images.releaseNext(); // made while the sample is away: it can only arrive as a replay
    awaitShown(List.of(0L, 1L));
    images.releaseNext();
    awaitEnded("completed");

    assertThat(page("window.shown")).isEqualTo(List.of(0L, 1L, 2L));
    assertThat(page("window.ended.data.generated_images")).isEqualTo(3L);
    assertThat(page("window.thrown || null")).isNull();
    assertThat(lastEventIdsSent()).as("Last-Event-ID headers the sample's EventSource sent").containsExactly(2);
    assertThat(gateway.simulator().requestCount()).as("generation requests upstream").isEqualTo(1);
  }

  List<Integer> lastEventIdsSent() {
    Matcher header = Pattern.compile("(?i)\r\nLast-Event-ID: *(\\d+)\r\n").matcher(proxy.sentByClients());
    return header.results().map(m -> Integer.parseInt(m.group(1))).toList();
  }

  @Test
  @DisplayName("fetch sample: the POST answer is the stream; every event reaches handle() in order")
  void fetchSampleStreams(@TempDir Path webRoot, @TempDir Path dataDir) throws IOException {
    startGateway(webRoot, dataDir);
    openSamples(gateway.port());
    run("generateWithFetch", GROUP_OF_THREE);

    images.releaseNext();
    awaitShown(List.of(0L));
    images.releaseNext();
    images.releaseNext();
    awaitEnded("completed");

    assertThat(page("window.events")).isEqualTo(List.of("started", "image", "image", "image", "completed"));
    assertThat(page("window.shown")).isEqualTo(List.of(0L, 1L, 2L));
    assertThat(page("window.thrown || null")).isNull();
  }

  @Test
  @DisplayName("both samples: a refused request reports its code and each violation by field, and is not read as a stream")
  void samplesReportRefusals(@TempDir Path webRoot, @TempDir Path dataDir) throws IOException {
    startGateway(webRoot, dataDir);
    openSamples(gateway.port());
    Map<String, Object> bad = Map.of("model", "doubao-seedream-4-5-251128", "prompt", "a stamp", "size", "100x100");

    for (String sample : List.of("generateWithFetch", "generateWithEventSource")) {
      driver().executeScript("window.failure = null;");
      run(sample, bad);
      waiting().withMessage(sample + " reporting the refusal").until(d -> page("window.failure") != null);
      assertThat(page("window.failure.code")).as(sample).isEqualTo("invalid_request");
      @SuppressWarnings("unchecked")
      List<String> lines = (List<String>) page("window.failure.lines");
      assertThat(lines).as(sample).singleElement().asString().startsWith("size: ").contains("100x100");
      assertThat(page("window.events.length")).as(sample + ": events read from an error body").isEqualTo(0L);
      assertThat(page("window.thrown || null")).as(sample).isNull();
    }
    assertThat(gateway.simulator().requestCount()).isZero();
  }
}
