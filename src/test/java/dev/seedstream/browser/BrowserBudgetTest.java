package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.support.Await;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A token over its budget: the gateway refuses the generation with 429 budget_exceeded before the paid
 * call, and the page says so in words (what is left, when it renews, when to try again) with the code,
 * while the estimate beside Generate shows the worst case in money. Nothing is stubbed: the real gateway
 * with a budget on the token. It runs once the gateway knows budgets (ErrorCode.BUDGET_EXCEEDED).
 */
@DisplayName("A budget refusal, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserBudgetTest extends BrowserTestBase {

  static final String TOKEN = "carol-budget-token-0123456789";

  @Test
  @DisplayName("over the token's daily budget: nothing starts, the page names what is left and when it renews")
  void budgetRefusalShownInWords(@TempDir Path dataDir) {
    gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_DATA_DIR", dataDir.toString(),
      // One cent a day: less than one image costs at the catalogue's listed prices.
      "SEEDSTREAM_TOKENS", "carol:" + TOKEN + ":daily=0.01USD")), UnaryOperator.identity()));
    SeedstreamPage page = new SeedstreamPage(driver());
    WebDriverWait wait = new WebDriverWait(driver(), Duration.ofSeconds(10), Duration.ofMillis(20));

    page.open("http://127.0.0.1:" + gateway.port());
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys(TOKEN, Keys.ENTER);
    wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("token-form")));
    page.prompt("a lighthouse keeper's breakfast");
    wait.withMessage("the estimate in money").until(d -> page.text(By.id("estimate")).matches(".*at most \\$0\\.0\\d.*"));

    page.generate();
    page.awaitStatus("error");
    String error = page.awaitText(By.id("general-error")).getText();
    assertThat(error).contains("what is left of your budget ($0.01)").contains("nothing was spent")
      .contains("The budget renews").contains("Try again in").contains("(budget_exceeded)");
    assertThat(page.count("[data-testid=image-card]")).isZero();
    assertThat(gateway.simulator().requestCount()).as("paid calls").isZero();
  }
}
