package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.support.Await;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page made for long, real jobs: a running job survives a reload and opens in another tab, images
 * switch to their stored copies, the lightbox steps through a group and compares two, the history
 * deletes and filters, the page speaks Chinese or English, and every upstream option is on the form.
 * Headless Chromium against the real gateway and its simulator, with the store on.
 */
@DisplayName("Long jobs in a real browser: reload and return, the group lightbox, languages, history")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BrowserLongJobsTest extends BrowserTestBase {

  static final String V40 = "doubao-seedream-4-0-250828";
  static final Pattern JOB_HASH = Pattern.compile("#job=([A-Za-z0-9_-]+)$");
  static final Pattern RESUMED_STREAM = Pattern.compile(
    "GET /api/generations/[A-Za-z0-9_-]+/events HTTP/1.1\r\n(?:[^\r\n]+\r\n)*?Last-Event-ID: (\\d+)\r\n", Pattern.CASE_INSENSITIVE);

  SeedstreamPage page;
  HistoryPanel history;
  HeldImages images;

  void startGateway(Path dataDir, boolean holdImages) {
    Map<String, String> env = new HashMap<>(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "16",
      "SEEDSTREAM_ABANDON_MS", "20000",
      "SEEDSTREAM_STORE_IMAGES", "true",
      "SEEDSTREAM_DATA_DIR", dataDir.toString()));
    GatewayConfig config = ConfigLoader.load(env);
    gateway = Await.result(Gateway.start(vertx, config, UnaryOperator.identity()));
    if (holdImages) {
      images = new HeldImages(gateway.simulator());
    }
    page = new SeedstreamPage(driver());
    history = new HistoryPanel(driver());
  }

  String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  String jobInUrl() {
    Matcher hash = JOB_HASH.matcher(driver().getCurrentUrl());
    assertThat(hash.find()).as("#job=… in " + driver().getCurrentUrl()).isTrue();
    return hash.group(1);
  }

  /** Waits until every listed card shows its image from the gateway's store (durable_url). */
  void awaitDurable(int count) {
    waiting().withMessage(count + " cards on their stored copies").until(d -> Boolean.TRUE.equals(driver().executeScript("""
      const cards = [...document.querySelectorAll('[data-testid=image-card]')];
      return cards.length === arguments[0] && cards.every((c) => c.dataset.source === 'durable'
        && c.querySelector('img.result-img').getAttribute('src').startsWith('/api/images/')
        && c.querySelector('a.download').getAttribute('href').startsWith('/api/images/'));""", count)));
  }

  // ------------------------------------------------------------------------------ reload and return

  @Test
  @DisplayName("reload mid-job: the images so far come back, the stream resumes with Last-Event-ID, "
    + "the rest arrive once; stored copies replace the upstream links; the address opens the job in another tab")
  void reloadAndReturn(@TempDir Path dataDir) {
    startGateway(dataDir, true);
    proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    page.open("http://127.0.0.1:" + proxy.port()).prompt("three kites over a winter beach").group(3).generate();
    page.awaitPlaceholders(3);
    images.releaseNext();
    page.awaitImageVisible(0);
    images.releaseNext();
    page.awaitImageVisible(1);
    String id = jobInUrl();

    driver().navigate().refresh();
    page.awaitImageVisible(0);
    page.awaitImageVisible(1);
    page.awaitStatus("running");
    assertThat(page.cardStates()).containsExactly("done", "done", "pending");
    assertThat(jobInUrl()).isEqualTo(id);
    Matcher resumed = RESUMED_STREAM.matcher(proxy.sentByClients());
    assertThat(resumed.find()).as("the reloaded page resumed the stream with Last-Event-ID").isTrue();
    assertThat(Long.parseLong(resumed.group(1))).as("the last event id the snapshot named").isGreaterThanOrEqualTo(3);

    images.releaseNext();
    page.awaitImageVisible(2);
    page.awaitStatus("completed");
    assertThat(page.cardIndexes()).as("each image once").containsExactly("0", "1", "2");
    assertThat(page.awaitText(By.id("usage")).getText()).startsWith("Generated 3 images");
    awaitDurable(3);

    // Another tab, the same address: the finished job from its snapshot.
    String first = driver().getWindowHandle();
    driver().switchTo().newWindow(WindowType.TAB);
    try {
      driver().get("http://127.0.0.1:" + proxy.port() + "/#job=" + id);
      page.awaitStatus("completed");
      List.of(0, 1, 2).forEach(page::awaitImageVisible);
      awaitDurable(3);
      assertThat(page.cardIndexes()).containsExactly("0", "1", "2");
    } finally {
      driver().close();
      driver().switchTo().window(first);
    }
  }

  @Test
  @DisplayName("a finished job's Open link in the history shows it on the results panel, from its stored images")
  void historyOpensAFinishedJob(@TempDir Path dataDir) {
    startGateway(dataDir, false);
    page.open(gatewayUrl()).prompt("a lantern festival seen from a bridge").group(2).generate();
    page.awaitImageVisible(1);
    page.awaitStatus("completed");
    driver().findElement(By.id("group")).click();
    page.prompt("one red umbrella in the rain").generate();
    waiting().until(d -> page.cardStates().equals(List.of("done")));
    page.awaitStatus("completed");
    history.awaitPrompts(List.of("one red umbrella in the rain", "a lantern festival seen from a bridge"));

    WebElement open = history.item("a lantern festival seen from a bridge").findElement(By.cssSelector("[data-testid=history-open]"));
    driver().executeScript("arguments[0].scrollIntoView({block: 'center'});", open);
    String id = history.jobId("a lantern festival seen from a bridge");
    open.click();
    waiting().until(d -> d.getCurrentUrl().endsWith("#job=" + id));
    page.awaitImageVisible(0);
    page.awaitImageVisible(1);
    awaitDurable(2);
    page.awaitStatus("completed");
  }

  // ------------------------------------------------------------------------------ the group lightbox

  @Test
  @DisplayName("the lightbox steps through the group with the arrow keys, the buttons and a swipe, and compares two side by side")
  void lightboxStepsThroughTheGroup(@TempDir Path dataDir) {
    startGateway(dataDir, false);
    page.open(gatewayUrl()).prompt("four teacups, four glazes").group(4).generate();
    List.of(0, 1, 2, 3).forEach(page::awaitImageVisible);
    page.awaitStatus("completed");

    page.card(1).findElement(By.cssSelector("button.open-image")).click();
    WebElement lightbox = waiting().until(ExpectedConditions.visibilityOfElementLocated(By.id("lightbox")));
    assertShown("1", "2 of 4");
    lightbox.sendKeys(Keys.ARROW_RIGHT);
    assertShown("2", "3 of 4");
    lightbox.sendKeys(Keys.ARROW_RIGHT);
    lightbox.sendKeys(Keys.ARROW_RIGHT);
    assertShown("0", "1 of 4");
    lightbox.sendKeys(Keys.ARROW_LEFT);
    assertShown("3", "4 of 4");
    driver().findElement(By.id("lightbox-prev")).click();
    assertShown("2", "3 of 4");
    swipe(-120);
    assertShown("3", "4 of 4");
    swipe(120);
    assertShown("2", "3 of 4");

    driver().findElement(By.id("lightbox-compare")).click();
    assertShown("3", "4 of 4");
    assertThat(lightbox.getDomAttribute("data-pinned")).as("the image pinned on the left").isEqualTo("2");
    assertThat(driver().findElement(By.id("lightbox-pinned")).isDisplayed()).isTrue();
    waiting().withMessage("both compared images decoded").until(d -> Boolean.TRUE.equals(driver().executeScript("""
      const a = document.getElementById('lightbox-pinned-img'), b = document.getElementById('lightbox-img');
      return a.complete && a.naturalWidth > 0 && b.complete && b.naturalWidth > 0
        && a.getBoundingClientRect().right <= b.getBoundingClientRect().left;""")));
    lightbox.sendKeys(Keys.ARROW_RIGHT);
    assertShown("0", "1 of 4");
    assertThat(lightbox.getDomAttribute("data-pinned")).as("stepping keeps the pinned image").isEqualTo("2");

    lightbox.sendKeys(Keys.ESCAPE);
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("lightbox")));
    assertThat(driver().switchTo().activeElement().getAttribute("aria-label")).isEqualTo("Open image 2 full size");
  }

  void assertShown(String index, String position) {
    waiting().withMessage("lightbox on image " + index).until(d ->
      index.equals(d.findElement(By.id("lightbox")).getDomAttribute("data-index"))
        && position.equals(d.findElement(By.id("lightbox-position")).getText()));
  }

  /** A touch swipe, as pointer events of type "touch" (headless Chromium has no touch screen to drive). */
  void swipe(int dx) {
    driver().executeScript("""
      const stage = document.getElementById('lightbox-stage');
      const at = (type, x) => stage.dispatchEvent(new PointerEvent(type, { pointerType: 'touch', clientX: x, clientY: 300, bubbles: true }));
      at('pointerdown', 400);
      at('pointerup', 400 + arguments[0]);""", dx);
  }

  // ------------------------------------------------------------------------------ languages

  @Test
  @DisplayName("English for an English browser, Chinese for a Chinese one, and the switch is remembered; error codes are translated")
  void languageSwitch(@TempDir Path dataDir) {
    startGateway(dataDir, false);
    page.open(gatewayUrl());
    assertThat(page.text(By.id("generate"))).isEqualTo("Generate");
    assertThat(page.text(By.id("form-title"))).isEqualTo("New generation");
    assertThat(driver().findElement(By.tagName("html")).getDomAttribute("lang")).isEqualTo("en");

    new Select(driver().findElement(By.id("language"))).selectByValue("zh-CN");
    waiting().until(ExpectedConditions.textToBe(By.id("generate"), "生成"));
    waiting().until(ExpectedConditions.elementToBeClickable(By.id("generate")));
    assertThat(page.text(By.id("form-title"))).isEqualTo("新建生成");
    assertThat(driver().findElement(By.tagName("html")).getDomAttribute("lang")).isEqualTo("zh-CN");
    assertThat(page.text(By.id("job-status"))).isEqualTo("空闲");
    assertThat(driver().executeScript("return localStorage.getItem('seedstream.lang');")).isEqualTo("zh-CN");

    driver().navigate().refresh();
    waiting().until(ExpectedConditions.elementToBeClickable(By.id("generate")));
    assertThat(page.text(By.id("generate"))).as("the choice survives a reload").isEqualTo("生成");

    // An empty prompt: the gateway answers invalid_request; the page says it in Chinese and keeps the code.
    page.generate();
    WebElement error = page.awaitText(By.id("general-error"));
    assertThat(error.getText()).contains("请求不符合图像服务的规则").contains("(invalid_request)");
    page.prompt("一只在雪中的狐狸").generate();
    page.awaitImageVisible(0);
    waiting().until(ExpectedConditions.textToBe(By.id("job-status"), "已完成"));
    assertThat(page.text(By.id("usage"))).startsWith("生成 1 张");
    page.scrollToTop().screenshot("4-chinese");

    new Select(driver().findElement(By.id("language"))).selectByValue("en");
    waiting().until(ExpectedConditions.textToBe(By.id("generate"), "Generate"));
    waiting().until(ExpectedConditions.textToBe(By.id("job-status"), "completed"));
    assertThat(jobInUrl()).as("the job on screen came back after the switch").isNotBlank();

    // No remembered choice: the browser's language decides.
    driver().executeScript("localStorage.removeItem('seedstream.lang');");
    driver().executeCdpCommand("Network.enable", Map.of());
    driver().executeCdpCommand("Network.setUserAgentOverride", Map.of(
      "userAgent", (String) driver().executeScript("return navigator.userAgent;"), "acceptLanguage", "zh-CN,zh"));
    try {
      driver().get(gatewayUrl() + "/");
      waiting().until(ExpectedConditions.textToBe(By.id("generate"), "生成"));
    } finally {
      driver().executeCdpCommand("Network.setUserAgentOverride", Map.of(
        "userAgent", (String) driver().executeScript("return navigator.userAgent;"), "acceptLanguage", "en-US,en"));
    }
  }

  // ------------------------------------------------------------------------------ history and options

  @Test
  @DisplayName("the history filters by prompt text and deletes a finished job with its images")
  void historyFiltersAndDeletes(@TempDir Path dataDir) throws Exception {
    startGateway(dataDir, false);
    page.open(gatewayUrl());
    for (String prompt : List.of("a paper crane on a desk", "a crane lifting steel beams", "a bowl of noodles")) {
      page.prompt(prompt).generate();
      waiting().until(d -> page.cardStates().equals(List.of("done")));
      page.awaitStatus("completed");
    }
    history.awaitPrompts(List.of("a bowl of noodles", "a crane lifting steel beams", "a paper crane on a desk"));

    driver().findElement(By.id("history-filter")).sendKeys("CRANE");
    waiting().until(d -> visiblePrompts().equals(List.of("a crane lifting steel beams", "a paper crane on a desk")));
    driver().findElement(By.id("history-filter")).sendKeys(" sushi");
    waiting().until(d -> visiblePrompts().isEmpty());
    assertThat(page.text(By.id("history-status"))).contains("No generation");
    driver().findElement(By.id("history-filter")).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
    waiting().until(d -> visiblePrompts().size() == 3);

    String id = history.jobId("a bowl of noodles");
    // A finished job is listed as running until the history has recorded its end, which may take a moment on
    // a busy machine; the panel looks again until it shows the job finished, with its delete button.
    waiting().until(d -> !history.item("a bowl of noodles").findElements(By.cssSelector("[data-testid=history-delete]")).isEmpty());
    WebElement delete = history.item("a bowl of noodles").findElement(By.cssSelector("[data-testid=history-delete]"));
    driver().executeScript("arguments[0].scrollIntoView({block: 'center'});", delete);
    delete.click();
    assertThat(delete.getText()).isEqualTo("Delete for good?");
    delete.click();
    waiting().until(d -> visiblePrompts().equals(List.of("a crane lifting steel beams", "a paper crane on a desk")));
    HttpResponse<String> gone = HttpClient.newHttpClient().send(
      HttpRequest.newBuilder(URI.create(gatewayUrl() + "/api/generations/" + id)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(gone.statusCode()).as("the deleted job's snapshot").isEqualTo(404);
    driver().findElement(By.id("history-refresh")).click();
    history.awaitPrompts(List.of("a crane lifting steel beams", "a paper crane on a desk"));
  }

  @SuppressWarnings("unchecked")
  List<String> visiblePrompts() {
    return (List<String>) driver().executeScript("return [...document.querySelectorAll('[data-testid=history-item]')]"
      + ".filter((i) => !i.hidden).map((i) => i.querySelector('.history-prompt').textContent);");
  }

  @Test
  @DisplayName("Seedream 4.0 offers 1K; inline images (b64_json) are shown; watermark and optimisation are on the form")
  void everyUpstreamOption(@TempDir Path dataDir) {
    startGateway(dataDir, false);
    proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    page.open("http://127.0.0.1:" + proxy.port());
    new Select(driver().findElement(By.id("model"))).selectByValue(V40);
    assertThat(new Select(driver().findElement(By.id("size-class"))).getOptions()).extracting(WebElement::getText)
      .containsExactly("1K", "2K", "4K");
    new Select(driver().findElement(By.id("size-class"))).selectByValue("1K");
    new Select(driver().findElement(By.id("size"))).selectByValue("1024x1024");
    new Select(driver().findElement(By.id("response-format"))).selectByValue("b64_json");
    assertThat(driver().findElement(By.id("optimize-row")).isDisplayed()).as("4.0 has two optimisation modes").isTrue();
    new Select(driver().findElement(By.id("optimize-mode"))).selectByValue("fast");
    driver().findElement(By.id("watermark")).click();
    page.prompt("a bonsai on a windowsill");
    waiting().withMessage("the dry run accepted 1K on 4.0").until(d -> page.text(By.id("estimate")).startsWith("Estimate: up to 1 image"));
    page.generate();
    page.awaitImageVisible(0);
    page.awaitStatus("completed");
    assertThat(page.card(0).findElement(By.cssSelector(".caption-meta")).getText()).startsWith("1024x1024");
    String sent = proxy.sentByClients();
    String generation = sent.substring(sent.lastIndexOf("POST /api/generations HTTP/1.1"));
    assertThat(generation).contains("\"size\":\"1024x1024\"").contains("\"response_format\":\"b64_json\"")
      .contains("\"watermark\":false").contains("\"optimize_prompt_options\":{\"mode\":\"fast\"}");
    // The inline image is kept by the store like any other: the card moves to the stored copy.
    awaitDurable(1);
    // The catalogue prices Seedream 4.0 at 0.03 USD an image: one image at most costs that much.
    assertThat(page.text(By.id("estimate"))).as("the worst case in money beside Generate").contains("at most $0.03");
  }
}
