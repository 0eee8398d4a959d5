package dev.seedstream.browser;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;

/**
 * Debian's Chromium driven through Debian's chromedriver, headless, with a profile of its own that is
 * deleted on close. Both paths are given explicitly, so Selenium Manager never downloads anything.
 * Every page it opens records Content-Security-Policy violations in {@code window.__cspViolations}.
 */
final class HeadlessChromium implements AutoCloseable {

  static final Path BROWSER = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  /** Installed before any page script runs, so a violation during page load is caught too. */
  private static final String CSP_RECORDER = """
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });""";

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChromium(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  /**
   * Without Chromium the browser tests cannot run. On CI ({@code CI=true}) that is a failure, since CI
   * installs it (.ci/run); on a developer machine the tests are skipped with a message saying why.
   */
  static void requireInstalled() {
    requireInstalled(List.of(BROWSER, DRIVER), System.getenv("CI"));
  }

  static void requireInstalled(List<Path> executables, String ciVariable) {
    List<Path> missing = executables.stream().filter(p -> !Files.isExecutable(p)).toList();
    if (missing.isEmpty()) {
      return;
    }
    String message = "Browser tests need Debian's chromium and chromium-driver; missing: " + missing
      + ". Install them with: apt-get install -y chromium chromium-driver";
    if ("true".equalsIgnoreCase(ciVariable)) {
      Assertions.fail("CI=true, so the browser tests may not be skipped. " + message);
    }
    Assumptions.abort("Skipping the browser tests (not on CI). " + message);
  }

  static HeadlessChromium start(int width, int height) {
    Path profile = temporaryProfile();
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(DRIVER.toFile())
      .usingAnyFreePort()
      .build();
    ChromeDriver driver = new ChromeDriver(service, options(profile, width, height));
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20)).scriptTimeout(Duration.ofSeconds(10));
    driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", CSP_RECORDER));
    return new HeadlessChromium(service, driver, profile);
  }

  private static ChromeOptions options(Path profile, int width, int height) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions",
      "--disable-default-apps", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
      "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    return options;
  }

  private static Path temporaryProfile() {
    try {
      return Files.createTempDirectory("seedstream-chromium-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ChromeDriver driver() {
    return driver;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteProfile();
    }
  }

  private void deleteProfile() {
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A profile left in the temp directory is harmless; the tests' outcome does not depend on it.
    }
  }
}
