package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.simulator.Simulator;
import dev.seedstream.simulator.SimulatorOptions;
import dev.seedstream.support.Await;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The page as users meet it: headless Chromium against the real gateway and its embedded simulator,
 * with the test releasing every simulated image itself. One browser (and profile) for the class; a
 * fresh gateway per test so each simulator's counters belong to that test alone.
 */
@DisplayName("The page, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserEndToEndTest extends BrowserTestBase {

  static final String XSS_PROMPT = "<img src=x onerror=alert(1)>";
  static final String HTML_FAILURE = "<img src=x onerror=alert(2)><b>filtered</b>";
  static final String FILTERED = "The request failed because the output image may contain sensitive information.";

  /** The store is on by default; without this the gateway would keep the tests' images in ./data. */
  @TempDir
  static Path dataDir;

  HeldImages images;
  SeedstreamPage page;


  Simulator simulator() {
    return gateway.simulator();
  }

  void startGateway(UnaryOperator<SimulatorOptions> simulatorTuning) {
    gateway = Await.result(Gateway.start(vertx, config(), simulatorTuning));
    images = new HeldImages(gateway.simulator());
    page = new SeedstreamPage(driver());
  }

  /** Loaded through the loader like production; only the delays are shrunk, since the test holds each image. */
  static GatewayConfig config() {
    return ConfigLoader.load(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "8",
      "SEEDSTREAM_ABANDON_MS", "20000",
      "SEEDSTREAM_DATA_DIR", dataDir.toString()));
  }

  String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  void releaseAndShow(int index) {
    images.releaseNext();
    page.awaitImageVisible(index);
  }

  @Test
  @DisplayName("a group of 4: placeholders first, image 1 visible before image 2 is released, then all four and the usage")
  void groupArrivesImageByImage() throws IOException {
    startGateway(UnaryOperator.identity());
    page.open(gatewayUrl()).prompt("four lighthouses at dusk, one per season").group(4).generate();
    page.awaitPlaceholders(4);

    releaseAndShow(0);
    images.awaitHeld();
    assertThat(images.released()).as("images let go by the simulator").isEqualTo(1);
    assertThat(page.cardStates()).containsExactly("done", "pending", "pending", "pending");
    page.scrollToTop().screenshot("1-first-image-visible");
    releaseAndShow(1);
    // The README's picture: always target/screenshot.png, docs/screenshot.png on request (PageScreenshot).
    PageScreenshot.save(Files.readAllBytes(page.scrollToTop().screenshot("1-images-arriving")));
    releaseAndShow(2);
    releaseAndShow(3);

    page.awaitStatus("completed");
    assertThat(page.cardIndexes()).containsExactly("0", "1", "2", "3");
    assertThat(List.of(0, 1, 2, 3)).allMatch(page::imageVisible);
    assertThat(page.awaitText(By.id("usage")).getText()).startsWith("Generated 4 images · failed 0 · output tokens");
    page.scrollToTop().screenshot("1-completed");
  }

  @Test
  @DisplayName("a failed image shows its reason in its own place while the others arrive")
  void failedImageShowsReasonInPlace() {
    startGateway(options -> options.withFailIndexes(Set.of(1)));
    page.open(gatewayUrl()).prompt("three kites over a beach").group(3).generate();
    page.awaitPlaceholders(3);

    releaseAndShow(0);
    images.releaseNext();
    page.awaitCardState(1, "failed");
    WebElement failed = page.card(1);
    assertThat(failed.findElement(By.className("failure-code")).getText()).isEqualTo("OutputImageSensitiveContentDetected");
    assertThat(failed.findElement(By.className("failure-message")).getText()).isEqualTo(FILTERED);
    assertThat(page.card(2).getAttribute("data-state")).isEqualTo("pending");
    page.scrollToTop().screenshot("2-failed-image");
    releaseAndShow(2);

    page.awaitStatus("completed");
    assertThat(page.cardStates()).containsExactly("done", "failed", "done");
    assertThat(page.awaitText(By.id("usage")).getText()).startsWith("Generated 2 images · failed 1");
  }

  @Test
  @DisplayName("Cancel mid-way shows the job cancelled, keeps the image shown, and aborts the upstream call")
  void cancelAbortsUpstream() {
    startGateway(UnaryOperator.identity());
    page.open(gatewayUrl()).prompt("a slow sunrise in four frames").group(4).generate();
    page.awaitPlaceholders(4);
    releaseAndShow(0);
    images.awaitHeld();

    page.cancel();

    page.awaitStatus("cancelled");
    assertThat(page.text(By.id("progress"))).startsWith("Cancelled");
    assertThat(page.cardStates()).as("the shown image stays, the placeholders go").containsExactly("done");
    Await.result(simulator().whenIdle());
    assertThat(simulator().cancelledCount()).as("upstream calls the client abandoned").isEqualTo(1);
    assertThat(simulator().activeStreams()).isZero();
  }

  @Test
  @DisplayName("after the connection drops mid-way the page reconnects with Last-Event-ID and shows no image twice")
  void reconnectsAfterDrop() {
    startGateway(UnaryOperator.identity());
    proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    page.open("http://127.0.0.1:" + proxy.port()).prompt("four boats in a harbour").group(4).generate();
    page.awaitPlaceholders(4);
    releaseAndShow(0);

    Await.result(proxy.cutAll());
    page.awaitReconnecting(true);
    // Image 2 is produced while the page is away; it can only reach the page as a replay.
    images.releaseNext();
    page.awaitImageVisible(1);
    page.awaitReconnecting(false);
    releaseAndShow(2);
    releaseAndShow(3);

    page.awaitStatus("completed");
    assertThat(page.cardIndexes()).containsExactly("0", "1", "2", "3");
    assertThat(page.count("img.result-img")).isEqualTo(4);
    assertThat(simulator().requestCount()).as("generation requests the simulator saw").isEqualTo(1);
    // Event 1 is "started", event 2 is image 1: the last event the page had when the line dropped.
    assertThat(lastEventIdsSent()).as("Last-Event-ID headers the page sent").containsExactly(2);
  }

  List<Integer> lastEventIdsSent() {
    Matcher header = Pattern.compile("(?i)\r\nLast-Event-ID: *(\\d+)\r\n").matcher(proxy.sentByClients());
    return header.results().map(m -> Integer.parseInt(m.group(1))).toList();
  }

  @Test
  @DisplayName("a size the model refuses shows its error next to the size field and nothing is sent upstream")
  void validationErrorNextToField() {
    startGateway(UnaryOperator.identity());
    page.open(gatewayUrl()).prompt("a tiny stamp").customSize("100x100");

    WebElement error = page.awaitText(By.cssSelector("[data-error-for=size]"));
    assertThat(error.getText()).contains("100x100").contains("10000 pixels");
    WebElement sizeFieldset = driver().findElement(By.id("size-custom")).findElement(By.xpath("ancestor::fieldset"));
    assertThat(error.findElement(By.xpath("ancestor::fieldset"))).isEqualTo(sizeFieldset);
    assertThat(driver().findElement(By.id("size-custom")).getAttribute("aria-invalid")).isEqualTo("true");

    page.generate();
    page.awaitStatus("error");
    assertThat(page.text(By.cssSelector("[data-error-for=size]"))).contains("10000 pixels");
    assertThat(simulator().requestCount()).isZero();
  }

  @Test
  @DisplayName("markup in the prompt and in an upstream error message is shown as text and runs nothing")
  void markupIsShownAsText() {
    startGateway(options -> options.withFailIndexes(Set.of(0)).withFailMessage(HTML_FAILURE));
    page.open(gatewayUrl()).prompt(XSS_PROMPT).group(2).generate();
    page.awaitPlaceholders(2);
    images.releaseNext();
    page.awaitCardState(0, "failed");
    releaseAndShow(1);
    page.awaitStatus("completed");

    assertThatThrownBy(() -> driver().switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    assertThat(page.text(By.id("job-prompt"))).isEqualTo(XSS_PROMPT);
    assertThat(page.card(0).findElement(By.className("failure-message")).getText()).isEqualTo(HTML_FAILURE);
    assertThat(page.card(1).findElement(By.tagName("img")).getAttribute("alt")).endsWith(": " + XSS_PROMPT);
    assertThat(page.count("img[src='x'], [onerror], #results b, #job-prompt *")).as("elements made from the markup").isZero();
    assertThat(page.cspViolations()).as("CSP violations (an injected handler would be one)").isEmpty();
  }

  @Test
  @DisplayName("a local PNG becomes reference image 图1 and is sent upstream as a PNG data URI")
  void localPngAsReference(@TempDir Path dir) throws IOException {
    Path png = writePng(dir.resolve("reference.png"));
    startGateway(UnaryOperator.identity());
    page.open(gatewayUrl()).prompt("把图1的天空换成晚霞").addReferenceFile(png);

    WebElement thumb = page.awaitText(By.cssSelector("[data-testid=ref-thumb]"));
    assertThat(thumb.findElement(By.className("ref-label")).getText()).isEqualTo("图1");
    assertThat(thumb.findElement(By.className("ref-name")).getText()).isEqualTo("reference.png");
    page.generate();
    releaseAndShow(0);
    page.awaitStatus("completed");

    List<String> sent = simulator().lastReferenceImages();
    String prefix = "data:image/png;base64,";
    assertThat(sent).singleElement().asString().startsWith(prefix);
    assertThat(Base64.getDecoder().decode(sent.get(0).substring(prefix.length()))).isEqualTo(Files.readAllBytes(png));
  }

  static Path writePng(Path file) throws IOException {
    BufferedImage image = new BufferedImage(96, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(0x2E6FD8));
    g.fillRect(0, 0, 96, 64);
    g.setColor(Color.ORANGE);
    g.fillOval(30, 12, 36, 36);
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  @Test
  @DisplayName("the normal flow logs no console error and violates no Content-Security-Policy")
  void noConsoleErrorsOrCspViolations() {
    startGateway(UnaryOperator.identity());
    driver().manage().logs().get(LogType.BROWSER); // drops entries from earlier tests
    page.open(gatewayUrl());
    driver().executeScript("console.info('seedstream-log-probe')");
    page.prompt("two owls on a branch").group(2).generate();
    page.awaitPlaceholders(2);
    releaseAndShow(0);
    releaseAndShow(1);
    page.awaitStatus("completed");
    page.awaitText(By.id("usage"));

    List<LogEntry> logs = driver().manage().logs().get(LogType.BROWSER).getAll();
    assertThat(logs).as("the console capture works").anyMatch(e -> e.getMessage().contains("seedstream-log-probe"));
    assertThat(logs).as("console errors").filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).isEmpty();
    assertThat(page.cspViolations()).as("CSP violations").isNotNull().isEmpty();
  }

  @Test
  @DisplayName("on a 390×844 phone the page never scrolls sideways, during or after a generation")
  void phoneHasNoHorizontalScroll() {
    startGateway(UnaryOperator.identity());
    driver().executeCdpCommand("Emulation.setDeviceMetricsOverride",
      Map.of("width", 390, "height", 844, "deviceScaleFactor", 2, "mobile", true));
    page.open(gatewayUrl());
    assertThat(page.widthAndViewport().get(1)).as("viewport width").isEqualTo(390);
    assertNoHorizontalScroll();

    page.prompt("a night market, https://example.com/" + "a-very-long-unbroken-reference-token".repeat(4))
      .group(4).generate();
    page.awaitPlaceholders(4);
    assertNoHorizontalScroll();
    releaseAndShow(0);
    releaseAndShow(1);
    assertNoHorizontalScroll();
    page.screenshot("9-phone-arriving");
    releaseAndShow(2);
    releaseAndShow(3);
    page.awaitStatus("completed");
    page.awaitText(By.id("usage"));
    assertNoHorizontalScroll();
    page.screenshot("9-phone-completed");
  }

  void assertNoHorizontalScroll() {
    List<Long> sizes = page.widthAndViewport();
    assertThat(sizes.get(0)).as("document scrollWidth against innerWidth " + sizes.get(1)).isLessThanOrEqualTo(sizes.get(1));
  }
}
