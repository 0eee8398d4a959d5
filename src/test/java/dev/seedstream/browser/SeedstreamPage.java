package dev.seedstream.browser;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

/**
 * The Seedstream page as a user drives it, through the test hooks web/ documents (#prompt,
 * [data-testid=image-card][data-index][data-state] …). Every wait polls a condition in the page;
 * nothing sleeps.
 */
final class SeedstreamPage {

  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String CARD = "[data-testid=image-card]";

  /** An image counts as visible once it has decoded (naturalWidth) and occupies space in the layout. */
  private static final String IMAGE_VISIBLE = """
    const card = document.querySelector('[data-testid=image-card][data-index="' + arguments[0] + '"]');
    const img = card && card.querySelector('img.result-img');
    return !!img && card.dataset.state === 'done' && img.complete && img.naturalWidth > 0
      && img.getBoundingClientRect().width > 0;""";

  private final ChromeDriver driver;
  private final WebDriverWait wait;

  SeedstreamPage(ChromeDriver driver) {
    this.driver = driver;
    this.wait = new WebDriverWait(driver, TIMEOUT, Duration.ofMillis(20));
  }

  /** Loads the page and waits until the model catalogue arrived (Generate becomes enabled). */
  SeedstreamPage open(String baseUrl) {
    driver.get(baseUrl + "/");
    wait.until(ExpectedConditions.elementToBeClickable(By.id("generate")));
    return this;
  }

  SeedstreamPage prompt(String text) {
    WebElement prompt = driver.findElement(By.id("prompt"));
    prompt.clear();
    prompt.sendKeys(text);
    return this;
  }

  SeedstreamPage group(int maxImages) {
    WebElement group = driver.findElement(By.id("group"));
    if (!group.isSelected()) {
      group.click();
    }
    WebElement max = driver.findElement(By.id("max-images"));
    max.clear();
    max.sendKeys(String.valueOf(maxImages));
    return this;
  }

  SeedstreamPage customSize(String size) {
    new Select(driver.findElement(By.id("size"))).selectByValue("custom");
    driver.findElement(By.id("size-custom")).sendKeys(size);
    return this;
  }

  SeedstreamPage addReferenceFile(Path file) {
    driver.findElement(By.id("ref-input")).sendKeys(file.toAbsolutePath().toString());
    return this;
  }

  void generate() {
    driver.findElement(By.id("generate")).click();
  }

  void cancel() {
    wait.until(ExpectedConditions.elementToBeClickable(By.id("cancel"))).click();
  }

  WebElement card(int index) {
    return driver.findElement(By.cssSelector(CARD + "[data-index='" + index + "']"));
  }

  List<String> cardIndexes() {
    return cardAttribute("index");
  }

  List<String> cardStates() {
    return cardAttribute("state");
  }

  /** One round trip for all cards, in page order. */
  @SuppressWarnings("unchecked")
  private List<String> cardAttribute(String name) {
    return (List<String>) driver.executeScript(
      "return [...document.querySelectorAll('" + CARD + "')].map((c) => c.dataset[arguments[0]]);", name);
  }

  void awaitPlaceholders(int count) {
    wait.withMessage(count + " pending placeholders")
      .until(d -> cardStates().equals(Collections.nCopies(count, "pending")));
  }

  void awaitImageVisible(int index) {
    wait.withMessage("image " + index + " visible in the page").until(d -> imageVisible(index));
  }

  boolean imageVisible(int index) {
    return Boolean.TRUE.equals(driver.executeScript(IMAGE_VISIBLE, index));
  }

  /** Waits until the first card's top edge lies inside the viewport (the page may scroll smoothly). */
  void awaitFirstCardInView() {
    wait.withMessage("the first card inside the viewport").until(d -> Boolean.TRUE.equals(driver.executeScript("""
      const card = document.querySelector('[data-testid=image-card][data-index="0"]');
      const top = card ? card.getBoundingClientRect().top : -1;
      return top >= 0 && top < window.innerHeight;""")));
  }

  void awaitCardState(int index, String state) {
    wait.withMessage("card " + index + " in state " + state)
      .until(d -> state.equals(card(index).getAttribute("data-state")));
  }

  void awaitStatus(String status) {
    wait.until(ExpectedConditions.textToBe(By.id("job-status"), status));
  }

  void awaitReconnecting(boolean shown) {
    By connection = By.id("connection");
    wait.until(shown ? ExpectedConditions.visibilityOfElementLocated(connection)
      : ExpectedConditions.invisibilityOfElementLocated(connection));
  }

  /** Waits until an element matching {@code selector} is displayed and has text, and returns it. */
  WebElement awaitText(By selector) {
    return wait.withMessage("text in " + selector).until(d -> {
      WebElement element = d.findElement(selector);
      return element.isDisplayed() && !element.getText().isBlank() ? element : null;
    });
  }

  String text(By selector) {
    return driver.findElement(selector).getText();
  }

  long count(String cssSelector) {
    return ((Number) driver.executeScript("return document.querySelectorAll(arguments[0]).length;", cssSelector))
      .longValue();
  }

  /** The page's widest extent against its viewport: {scrollWidth, innerWidth}. */
  List<Long> widthAndViewport() {
    @SuppressWarnings("unchecked")
    List<Number> sizes = (List<Number>) driver.executeScript(
      "return [document.documentElement.scrollWidth, window.innerWidth];");
    return sizes.stream().map(Number::longValue).toList();
  }

  /** What the securitypolicyviolation recorder collected; null if the recorder is missing. */
  @SuppressWarnings("unchecked")
  List<String> cspViolations() {
    return (List<String>) driver.executeScript("return window.__cspViolations || null;");
  }

  /** Clicking Generate scrolls the form; screenshots show the page from its header. */
  SeedstreamPage scrollToTop() {
    driver.executeScript("window.scrollTo(0, 0);");
    return this;
  }

  /** Saves what the viewport shows as target/screenshots/{name}.png. */
  Path screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Path file = SCREENSHOTS.resolve(name + ".png");
      Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
