package dev.seedstream.browser;

import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.time.Duration;
import java.util.List;

/**
 * The history panel (web/history.js) as a user drives it, through its hooks: [data-testid=history-item]
 * with data-job-id, [data-testid=history-thumb] with data-index, [data-testid=history-zip], #history-more
 * and #history-refresh. Every wait polls a condition in the page; since every reload of the panel replaces
 * its items, the waits look the items up afresh on each poll and treat a replaced one as "not yet".
 */
final class HistoryPanel {

  private static final String ITEM = "[data-testid=history-item]";

  /** A thumbnail counts as loaded once its image decoded; it is scrolled into view first since it loads lazily. */
  private static final String THUMB_LOADED = """
    const img = arguments[0].querySelector('img');
    if (!img) return false;
    if (img.getBoundingClientRect().bottom < 0 || img.getBoundingClientRect().top > innerHeight) img.scrollIntoView();
    return img.complete && img.naturalWidth > 0;""";

  private final ChromeDriver driver;
  private final WebDriverWait wait;

  HistoryPanel(ChromeDriver driver) {
    this.driver = driver;
    this.wait = new WebDriverWait(driver, Duration.ofSeconds(10), Duration.ofMillis(20));
    wait.ignoring(StaleElementReferenceException.class);
  }

  /** The prompts of the listed jobs, in page order (newest first). */
  @SuppressWarnings("unchecked")
  List<String> prompts() {
    return (List<String>) driver.executeScript("return [...document.querySelectorAll(arguments[0])]"
      + ".map((i) => i.querySelector('.history-prompt').textContent);", ITEM);
  }

  /** Waits until the listed prompts are exactly {@code expected}, in that order. */
  void awaitPrompts(List<String> expected) {
    wait.withMessage(() -> "history prompts " + expected + " but the page lists " + prompts())
      .until(d -> prompts().equals(expected));
  }

  /** One query, so a reload of the panel cannot replace the items half way through the lookup. */
  WebElement item(String prompt) {
    return driver.findElement(By.xpath("//li[@data-testid='history-item'][p[@class='history-prompt' and text()='"
      + prompt + "']]"));
  }

  String jobId(String prompt) {
    return item(prompt).getDomAttribute("data-job-id");
  }

  List<WebElement> thumbs(String prompt) {
    return item(prompt).findElements(By.cssSelector("[data-testid=history-thumb]"));
  }

  void awaitThumbLoaded(WebElement thumb) {
    wait.withMessage("history thumbnail " + thumb.getDomAttribute("data-index") + " decoded")
      .until(d -> Boolean.TRUE.equals(driver.executeScript(THUMB_LOADED, thumb)));
  }

  /** The zip link of a job's row, as text and target, once the list shows one after Refresh. */
  record ZipLink(String text, String href) {
  }

  /**
   * Clicks Refresh and waits until the job's "Download all (zip)" link is there, which needs a stored image. Read inside the wait: the link found may belong to the list
   * Refresh is about to replace, and an element of a replaced list is stale by the time it is read.
   */
  ZipLink refreshUntilZip(String prompt) {
    driver.findElement(By.id("history-refresh")).click();
    return wait.withMessage("zip link of " + prompt).ignoring(StaleElementReferenceException.class)
      .until(d -> item(prompt).findElements(By.cssSelector("[data-testid=history-zip]")).stream().findFirst()
        .map(link -> new ZipLink(link.getText(), link.getDomAttribute("href"))).orElse(null));
  }

  void loadMore() {
    WebElement more = driver.findElement(By.id("history-more"));
    driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", more);
    more.click();
  }

  boolean moreShown() {
    return driver.findElement(By.id("history-more")).isDisplayed();
  }

  void click(WebElement scope, String buttonText) {
    WebElement button = scope.findElements(By.tagName("button")).stream()
      .filter(b -> b.getText().equals(buttonText)).findFirst()
      .orElseThrow(() -> new AssertionError("no button " + buttonText));
    driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", button);
    button.click();
  }

  /** The rightmost edge, in CSS pixels, of anything inside the panel: overflow hidden by a scroller shows here too. */
  double widestRight() {
    return ((Number) driver.executeScript("return Math.max(...[...document.querySelectorAll('#history, #history *')]"
      + ".map((e) => e.getBoundingClientRect().right));")).doubleValue();
  }

  void scrollIntoView() {
    driver.executeScript("document.getElementById('history').scrollIntoView();");
  }
}
