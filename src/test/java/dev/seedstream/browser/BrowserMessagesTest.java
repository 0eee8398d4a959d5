package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.simulator.SimulatorOptions;
import dev.seedstream.support.Await;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the page tells a person, and where: refusals in sentences with the code kept small for support,
 * nothing left over from an earlier attempt, and a run that starts where the user can see it.
 * Headless Chromium against the real gateway and its embedded simulator (images flow freely).
 */
@DisplayName("What the page says, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserMessagesTest extends BrowserTestBase {

  static final By GENERAL_ERROR = By.id("general-error");
  static final By FORM_PROGRESS = By.id("form-progress");

  SeedstreamPage page;

  void startGateway(Path dataDir, Map<String, String> settings) {
    startGateway(dataDir, settings, UnaryOperator.identity());
  }

  void startGateway(Path dataDir, Map<String, String> settings, UnaryOperator<SimulatorOptions> simulatorTuning) {
    Map<String, String> env = new HashMap<>(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "16",
      "SEEDSTREAM_DATA_DIR", dataDir.toString()));
    env.putAll(settings);
    gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(env), simulatorTuning));
    page = new SeedstreamPage(driver());
  }

  String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  @Test
  @DisplayName("over the image rate: a sentence with the wait from Retry-After, the code in small text, and no leftover 'Completed'")
  void rateLimitedSaysWhenToTryAgain(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "2"));
    page.open(gatewayUrl()).prompt("one teapot").generate();
    page.awaitStatus("completed");
    assertThat(page.text(By.id("progress"))).startsWith("Completed");

    page.group(4).generate(); // 2 images a minute, 1 left: the gateway answers 429 with Retry-After
    page.awaitStatus("error");

    WebElement error = page.awaitText(GENERAL_ERROR);
    assertThat(error.findElement(By.tagName("strong")).getText())
      .isEqualTo("You have asked for too many images in a short time.");
    assertThat(error.findElement(By.cssSelector("[data-testid=error-code]")).getText()).isEqualTo("(rate_limited)");
    assertThat(error.findElements(By.tagName("li"))).extracting(WebElement::getText)
      .singleElement().asString().matches("Try again in (29|30) seconds\\.");
    assertThat(error.getText()).as("the gateway's own English string").doesNotContain("per minute");
    assertThat(page.text(By.id("progress"))).as("the earlier run's outcome is not left on screen").isEqualTo("Not started.");
    assertThat(page.awaitText(FORM_PROGRESS).getText()).as("under the Generate button")
      .isEqualTo("Not started: You have asked for too many images in a short time.");
    assertThat(page.cardStates()).as("the earlier run's images stay").containsExactly("done");
  }

  @Test
  @DisplayName("an upstream 429 arriving as an error event: the service is busy, when to try again, the code and status kept small")
  void upstreamRateLimitEventInWords(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "0"), options -> options.withFailRequestStatus(429));
    page.open(gatewayUrl()).prompt("a busy harbour").generate();
    page.awaitStatus("error");

    WebElement error = page.awaitText(GENERAL_ERROR);
    assertThat(error.findElement(By.tagName("strong")).getText())
      .isEqualTo("The image service is getting too many requests right now.");
    assertThat(error.findElement(By.cssSelector("[data-testid=error-code]")).getText()).isEqualTo("(upstream_rate_limited)");
    List<String> lines = error.findElements(By.tagName("li")).stream().map(WebElement::getText).toList();
    assertThat(lines).anyMatch(line -> line.matches("Try again in (a moment|\\d+ seconds?)\\."))
      .contains("Image service status: 429.");
    assertThat(error.getText()).as("the upstream's own English string").doesNotContain("IPM");
  }

  @Test
  @DisplayName("a body over the JSON limit: the limit in KB and the setting that raises it, not the raw message")
  void payloadTooLargeNamesLimitAndSetting(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of("SEEDSTREAM_MAX_JSON_BYTES", "1024"));
    page.open(gatewayUrl());
    // Typed key by key this would take seconds; the page only listens for input events.
    driver().executeScript("const p = document.getElementById('prompt'); p.value = arguments[0];"
      + "p.dispatchEvent(new Event('input', {bubbles: true}));", "a lighthouse in fog ".repeat(80));
    page.generate();
    page.awaitStatus("error");

    WebElement error = page.awaitText(GENERAL_ERROR);
    assertThat(error.findElement(By.tagName("strong")).getText())
      .isEqualTo("The request is too large for this gateway (at most 1 KB). Use fewer or smaller reference images.");
    assertThat(error.findElement(By.cssSelector("[data-testid=error-code]")).getText()).isEqualTo("(payload_too_large)");
    assertThat(error.findElements(By.tagName("li"))).extracting(WebElement::getText)
      .containsExactly("The gateway’s operator can raise the limit with SEEDSTREAM_MAX_JSON_BYTES.");
    assertThat(gateway.simulator().requestCount()).isZero();
  }

  @Test
  @DisplayName("a new run clears what an earlier attempt left: a refused file and an error")
  void newRunClearsStaleMessages(@TempDir Path dataDir) throws IOException {
    startGateway(dataDir, Map.of());
    Path gif = dataDir.resolve("animation.gif");
    ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "gif", gif.toFile());
    page.open(gatewayUrl()).addReferenceFile(gif);
    assertThat(page.awaitText(By.cssSelector("[data-testid=ref-reject]")).getText()).contains("animation.gif");

    page.generate(); // no prompt yet: refused with the prompt marked
    page.awaitStatus("error");
    page.awaitText(GENERAL_ERROR);

    page.prompt("a quiet library").generate();
    page.awaitStatus("completed");
    assertThat(driver().findElement(GENERAL_ERROR).isDisplayed()).as("the earlier error").isFalse();
    assertThat(page.count("[data-testid=ref-reject]")).as("the earlier refused file").isZero();
    assertThat(page.text(FORM_PROGRESS)).startsWith("Completed: 1 generated");
  }

  @Test
  @DisplayName("on a 1280×800 window the first card scrolls into view after Generate, and focus stays on the form")
  void laptopWindowShowsFirstCard(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of());
    driver().executeCdpCommand("Emulation.setDeviceMetricsOverride",
      Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
    page.open(gatewayUrl()).prompt("four kites over a dune").group(4);
    page.generate(); // the click scrolls the page down to the button, past the results panel

    page.awaitFirstCardInView();
    assertThat(driver().executeScript("return document.activeElement.closest('form')?.id;"))
      .as("the form the focus is in").isEqualTo("gen-form");
    page.awaitStatus("completed");
    page.screenshot("10-laptop-completed");
    assertThat(page.text(By.id("progress"))).startsWith("Completed: 4 generated");
    assertThat(page.cardStates()).containsExactly("done", "done", "done", "done");
    List<Long> sizes = page.widthAndViewport();
    assertThat(sizes.get(1)).as("viewport width").isEqualTo(1280);
  }
}
