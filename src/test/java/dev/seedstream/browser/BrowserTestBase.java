package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.util.Map;

/**
 * What every browser test class shares: one headless Chromium (and profile) and one Vert.x for the
 * class, a gateway (and, where a test needs one, a cuttable proxy) per test, and the clean-up between
 * tests that leaves the page before its gateway goes away.
 */
abstract class BrowserTestBase {

  static HeadlessChromium chromium;
  static Vertx vertx;
  static long classStarted;

  Gateway gateway;
  CuttableProxy proxy;

  @BeforeAll
  static void startBrowser() {
    classStarted = System.nanoTime();
    HeadlessChromium.requireInstalled();
    vertx = Gateway.newVertx();
    // 1000 px wide: two columns, and the screenshots stay small enough to commit.
    chromium = HeadlessChromium.start(1000, 900);
  }

  @AfterAll
  static void stopBrowser() {
    try {
      if (chromium != null) {
        chromium.close();
      }
    } finally {
      if (vertx != null) {
        Await.result(vertx.close());
      }
      System.out.printf("Browser test class took %d ms%n", (System.nanoTime() - classStarted) / 1_000_000);
    }
  }

  /**
   * Leaving the page closes its event stream before the gateway goes away. Each gateway listens on a port
   * of its own, so nothing a page kept (a token in sessionStorage) reaches the next test's origin.
   */
  @AfterEach
  void stopGateway() {
    driver().get("about:blank");
    driver().executeCdpCommand("Emulation.clearDeviceMetricsOverride", Map.of());
    if (proxy != null) {
      Await.result(proxy.close());
      proxy = null;
    }
    if (gateway != null) {
      Await.result(gateway.close());
      gateway = null;
    }
  }

  ChromeDriver driver() {
    return chromium.driver();
  }

  /** Waits on the page for up to 10 s, checking every 20 ms. */
  WebDriverWait waiting() {
    return new WebDriverWait(driver(), java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(20));
  }
}
