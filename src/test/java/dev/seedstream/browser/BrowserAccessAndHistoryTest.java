package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.support.Await;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the page gained after the first browser tests: the client-token form, and the history panel over
 * the durable image store. Headless Chromium against the real gateway and its embedded simulator; the
 * simulator's images flow freely here (5 ms apart), so every step waits on what the page shows.
 */
@DisplayName("Client tokens and the history panel, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserAccessAndHistoryTest extends BrowserTestBase {

  static final String TOKEN = "alice-browser-token-0123456789";
  static final String WRONG_TOKEN = "mallory-guessed-token-9876543210";
  static final String TOKEN_KEY = "seedstream.token";
  static final String OLDER = "two lanterns on a quiet river";
  static final String NEWER = "a single paper crane";
  static final String PHONE_PROMPT = "three herons wading at low tide, a prompt long enough to wrap on a phone";
  static final String LONG_PROMPT = "a night market, https://example.com/" + "a-very-long-unbroken-path-segment".repeat(4);
  static final Pattern EVENTS_REQUEST = Pattern.compile("GET (/api/generations/[A-Za-z0-9_-]+/events[^ ]*) HTTP/1.1\r\n((?:[^\r\n]+\r\n)*)\r\n");

  static HttpClient http;

  SeedstreamPage page;
  HistoryPanel history;

  @BeforeAll
  static void startHttpClient() {
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }


  /** Loaded through the loader like production, with each test's data directory and extra settings. */
  void startGateway(Path dataDir, Map<String, String> settings) {
    Map<String, String> env = new HashMap<>(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "16",
      "SEEDSTREAM_ABANDON_MS", "20000",
      "SEEDSTREAM_STORE_IMAGES", "true",
      "SEEDSTREAM_DATA_DIR", dataDir.toString()));
    env.putAll(settings);
    GatewayConfig config = ConfigLoader.load(env);
    gateway = Await.result(Gateway.start(vertx, config, UnaryOperator.identity()));
    page = new SeedstreamPage(driver());
    history = new HistoryPanel(driver());
  }

  String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  // ------------------------------------------------------------------------------------------ tokens

  @Test
  @DisplayName("with tokens: the form asks first, nothing starts without one, a wrong one is asked again, the right one streams")
  void tokenGatesTheGeneration(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN));
    proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    driver().manage().logs().get(LogType.BROWSER); // drops entries from earlier tests
    page.open("http://127.0.0.1:" + proxy.port());
    assertThat(awaitTokenForm()).isEqualTo("This gateway needs an access token.");

    page.prompt("a harbour at dawn").generate();
    page.awaitStatus("error");
    assertThat(page.text(By.id("general-error"))).contains("(unauthorized)");
    assertThat(page.count("[data-testid=image-card]")).isZero();
    assertThat(gateway.simulator().requestCount()).as("generation requests the simulator saw").isZero();

    enterToken(WRONG_TOKEN);
    assertThat(awaitTokenForm()).as("the dry run with the wrong token is refused")
      .isEqualTo("The gateway did not accept the token. Enter it again.");
    assertThat(sessionToken()).as("a refused token is not kept").isNull();

    enterToken(TOKEN);
    page.generate();
    page.awaitImageVisible(0);
    page.awaitStatus("completed");
    assertThat(driver().findElement(By.id("token-form")).isDisplayed()).isFalse();
    assertThat(gateway.simulator().requestCount()).isEqualTo(1);
    history.awaitPrompts(List.of("a harbour at dawn"));
    assertStreamOpenedWithTokenHeader();
    assertTokenOnlyInSessionStorage();
    assertOnlyRefusalsLogged();
  }

  /**
   * Chromium logs every 401 answer as a console error, and this flow provokes them on purpose (no token,
   * a wrong one). Anything else (a script error, another status, a refused image) or a CSP violation
   * fails the test.
   */
  void assertOnlyRefusalsLogged() {
    List<LogEntry> logs = driver().manage().logs().get(LogType.BROWSER).getAll();
    assertThat(logs).as("console errors other than 401 answers")
      .filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
      .allMatch(e -> e.getMessage().contains("the server responded with a status of 401 (Unauthorized)"));
    // Durable image URLs are capabilities that need no token: an <img> cannot send one.
    assertThat(logs).as("history thumbnails load without a token")
      .noneMatch(e -> e.getMessage().contains("/api/images/"));
    assertThat(page.cspViolations()).as("CSP violations").isNotNull().isEmpty();
  }

  String awaitTokenForm() {
    WebElement form = waiting().withMessage("the token form shown")
      .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("[data-testid=token-form]")));
    return waiting().until(d -> {
      String text = form.findElement(By.className("token-message")).getText();
      return text.isBlank() ? null : text;
    });
  }

  void enterToken(String token) {
    WebElement input = driver().findElement(By.id("token-input"));
    input.sendKeys(token, Keys.ENTER);
    waiting().until(ExpectedConditions.invisibilityOfElementLocated(By.id("token-form")));
  }

  String sessionToken() {
    return (String) driver().executeScript("return sessionStorage.getItem(arguments[0]);", TOKEN_KEY);
  }

  /**
   * The page reads the stream with the client (fetch), which sends the token as a header like every other
   * call: never in the URL, and without the signed access value, which would expire after a minute.
   */
  void assertStreamOpenedWithTokenHeader() {
    String sent = proxy.sentByClients();
    Matcher events = EVENTS_REQUEST.matcher(sent);
    assertThat(events.find()).as("an events request in what the browser sent").isTrue();
    assertThat(events.group(1)).doesNotContain(TOKEN).doesNotContain("access=");
    assertThat(events.group(2)).contains("Authorization: Bearer " + TOKEN);
    assertThat(sent).contains("POST /api/generations HTTP/1.1").contains("Authorization: Bearer " + TOKEN);
  }

  void assertTokenOnlyInSessionStorage() {
    assertThat(sessionToken()).isEqualTo(TOKEN);
    String local = (String) driver().executeScript("return JSON.stringify(Object.entries(localStorage));");
    assertThat(local).as("localStorage").doesNotContain(TOKEN);
    assertThat((String) driver().executeScript("return document.cookie;")).as("document.cookie").doesNotContain(TOKEN);
    // WebDriver also sees HttpOnly cookies, which document.cookie hides.
    assertThat(driver().manage().getCookies()).extracting(Cookie::getValue).noneMatch(v -> v.contains(TOKEN));
  }

  // ------------------------------------------------------------------------------------------ history

  @Test
  @DisplayName("history: newest first with durable thumbnails, Load more, Re-run, Use as reference and the zip")
  void historyPanelOverTheStore(@TempDir Path dataDir) throws Exception {
    startGateway(dataDir, Map.of());
    // Nine earlier jobs through the API: with the two below the history has one more than the page's 10.
    List<String> fillers = IntStream.rangeClosed(1, 9).mapToObj(i -> "earlier job " + i).toList();
    fillers.forEach(this::generateThroughApi);
    driver().manage().logs().get(LogType.BROWSER); // drops entries from earlier tests
    page.open(gatewayUrl());

    generateOlder();
    generateNewer();
    List<String> firstPage = new ArrayList<>(List.of(NEWER, OLDER));
    for (int i = fillers.size() - 1; i >= 1; i--) {
      firstPage.add(fillers.get(i));
    }
    history.awaitPrompts(firstPage);
    // The history records images in the background: the panel, reloaded as each job ended, may not list them
    // yet on a busy machine. Once they are kept, Refresh lists them.
    awaitStored(OLDER, 2);
    awaitStored(NEWER, 1);
    driver().findElement(By.id("history-refresh")).click();
    waiting().ignoring(org.openqa.selenium.StaleElementReferenceException.class)
      .until(d -> history.thumbs(OLDER).size() == 2 && history.thumbs(NEWER).size() == 1);
    history.awaitPrompts(firstPage);
    assertThat(history.moreShown()).as("Load more after a full page").isTrue();
    history.loadMore();
    firstPage.add(fillers.get(0));
    history.awaitPrompts(firstPage);
    waiting().until(d -> !history.moreShown());

    assertDurableThumbnails(OLDER, 2);
    assertDurableThumbnails(NEWER, 1);
    assertZipDownload(OLDER);
    assertRerunFillsTheForm();
    assertUseAsReference();
    assertNoConsoleErrorsOrCspViolations();
  }

  /** Model 4.0, a 4:3 size, the "fast" optimisation and a group of 2: all different from the defaults. */
  void generateOlder() {
    new Select(driver().findElement(By.id("model"))).selectByValue("doubao-seedream-4-0-250828");
    new Select(driver().findElement(By.id("size"))).selectByValue("2304x1728");
    new Select(driver().findElement(By.id("optimize-mode"))).selectByValue("fast");
    page.prompt(OLDER).group(2).generate();
    page.awaitImageVisible(1);
    page.awaitStatus("completed");
  }

  void generateNewer() {
    new Select(driver().findElement(By.id("model"))).selectByValue("doubao-seedream-4-5-251128");
    new Select(driver().findElement(By.id("size"))).selectByValue("2048x2048");
    driver().findElement(By.id("group")).click();
    page.prompt(NEWER).generate();
    waiting().until(d -> page.cardStates().equals(List.of("done")) && page.imageVisible(0));
    page.awaitStatus("completed");
  }

  /** Starts a job through the API and reads its event stream to the end, so the job is over before the page loads. */
  void generateThroughApi(String prompt) {
    JsonObject body = new JsonObject().put("model", "doubao-seedream-4-5-251128").put("prompt", prompt).put("response_format", "url");
    HttpResponse<String> accepted = send(HttpRequest.newBuilder(URI.create(gatewayUrl() + "/api/generations"))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
    String eventsUrl = new JsonObject(accepted.body()).getString("events_url");
    String events = send(HttpRequest.newBuilder(URI.create(gatewayUrl() + eventsUrl)).build()).body();
    assertThat(events).contains("event: completed");
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  void awaitStored(String prompt, int images) {
    ImageArchive archive = gateway.verticle().archive();
    String job = history.jobId(prompt);
    IntStream.range(0, images).forEach(i -> Await.result(archive.settled(job, i), 10_000));
  }

  void assertDurableThumbnails(String prompt, int images) {
    String job = history.jobId(prompt);
    List<WebElement> thumbs = history.thumbs(prompt);
    assertThat(thumbs).hasSize(images);
    for (int i = 0; i < images; i++) {
      WebElement img = thumbs.get(i).findElement(By.tagName("img"));
      assertThat(img.getDomAttribute("src")).isEqualTo("/api/images/" + job + "/" + i);
      history.awaitThumbLoaded(thumbs.get(i));
    }
  }

  void assertZipDownload(String prompt) {
    awaitStored(prompt, 2);
    String job = history.jobId(prompt);
    HistoryPanel.ZipLink zip = history.refreshUntilZip(prompt);
    assertThat(zip.text()).isEqualTo("Download all (zip)");
    assertThat(zip.href()).isEqualTo("/api/generations/" + job + "/images.zip");
    HttpResponse<byte[]> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(gatewayUrl() + zip.href())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/zip");
    assertThat(response.body()).startsWith('P', 'K', 3, 4);
  }

  void assertRerunFillsTheForm() {
    history.click(history.item(OLDER), "Re-run");
    waiting().until(d -> OLDER.equals(driver().findElement(By.id("prompt")).getDomProperty("value")));
    assertThat(value("model")).isEqualTo("doubao-seedream-4-0-250828");
    assertThat(value("size")).isEqualTo("2304x1728");
    assertThat(value("optimize-mode")).isEqualTo("fast");
    assertThat(driver().findElement(By.id("group")).isSelected()).isTrue();
    assertThat(value("max-images")).isEqualTo("2");
    assertThat(driver().findElement(By.id("max-images")).isEnabled()).isTrue();
  }

  String value(String id) {
    return driver().findElement(By.id(id)).getDomProperty("value");
  }

  void assertUseAsReference() {
    WebElement thumb = history.thumbs(NEWER).get(0);
    history.click(thumb, "Use as reference");
    WebElement ref = page.awaitText(By.cssSelector("[data-testid=ref-thumb]"));
    assertThat(ref.findElement(By.className("ref-label")).getText()).isEqualTo("图1");
    assertThat(ref.findElement(By.className("ref-name")).getText()).startsWith("seedstream-1.");
    assertThat(page.count("[data-testid=ref-thumb]")).isEqualTo(1);
    assertThat(page.count("[data-testid=ref-reject]")).as("references the page refused").isZero();
  }

  // ------------------------------------------------------------------------------------------ phone

  @Test
  @DisplayName("on a 390×844 phone the history panel causes no sideways scroll")
  void phoneHistoryHasNoHorizontalScroll(@TempDir Path dataDir) {
    startGateway(dataDir, Map.of());
    generateThroughApi(LONG_PROMPT);
    driver().executeCdpCommand("Emulation.setDeviceMetricsOverride",
      Map.of("width", 390, "height", 844, "deviceScaleFactor", 2, "mobile", true));
    driver().manage().logs().get(LogType.BROWSER); // drops entries from earlier tests
    page.open(gatewayUrl());
    assertThat(page.widthAndViewport().get(1)).as("viewport width").isEqualTo(390);

    page.prompt(PHONE_PROMPT).group(3).generate();
    page.awaitStatus("completed");
    history.awaitPrompts(List.of(PHONE_PROMPT, LONG_PROMPT));
    awaitStored(PHONE_PROMPT, 3);
    history.refreshUntilZip(PHONE_PROMPT); // the widest action row: Re-run and the zip link
    history.scrollIntoView();
    history.thumbs(PHONE_PROMPT).forEach(history::awaitThumbLoaded);
    assertNoHorizontalScroll();
    assertThat(history.widestRight()).as("right edge of the widest history element").isLessThanOrEqualTo(390);
    page.screenshot("10-phone-history");
    assertNoConsoleErrorsOrCspViolations();
  }

  void assertNoHorizontalScroll() {
    List<Long> sizes = page.widthAndViewport();
    assertThat(sizes.get(0)).as("document scrollWidth against innerWidth " + sizes.get(1)).isLessThanOrEqualTo(sizes.get(1));
  }

  void assertNoConsoleErrorsOrCspViolations() {
    List<LogEntry> logs = driver().manage().logs().get(LogType.BROWSER).getAll();
    assertThat(logs).as("console errors").filteredOn(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).isEmpty();
    assertThat(page.cspViolations()).as("CSP violations").isNotNull().isEmpty();
  }
}
