package dev.seedstream.browser;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.support.Await;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/live-group.html as a front-end developer runs it: served from another origin (localhost on a port
 * of its own, while the gateway is 127.0.0.1), importing the client from the gateway and streaming a group
 * of 4 across origins. The gateway lists that origin in SEEDSTREAM_CORS_ORIGINS; without it, the browser
 * refuses the client's module.
 */
@DisplayName("The cross-origin example page, in a real browser")
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class BrowserExamplesTest extends BrowserTestBase {

  HttpServer examples;

  @AfterEach
  void stopExamples() {
    if (examples != null) {
      Await.result(examples.close());
    }
  }

  @Test
  @DisplayName("a page on an origin on SEEDSTREAM_CORS_ORIGINS shows a group of 4 live through the client")
  void crossOriginPageStreamsAGroup(@TempDir Path dataDir) {
    String origin = serveExamples();
    startGateway(dataDir, origin);
    openExample();
    awaitStatus("Ready.");
    driver().findElement(By.cssSelector("#form button")).click();

    waiting().withMessage("the example says it is done")
      .until(d -> d.findElement(By.id("status")).getText().startsWith("Done"));
    assertThat(driver().findElement(By.id("status")).getText()).isEqualTo("Done: 4 generated, 0 failed.");
    List<String> alts = driver().findElements(By.cssSelector("#images img")).stream().map(e -> e.getAttribute("alt")).toList();
    assertThat(alts).containsExactly("Image 1", "Image 2", "Image 3", "Image 4");
    assertThat(gateway.simulator().requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("an origin not on SEEDSTREAM_CORS_ORIGINS cannot load the client, so nothing is generated")
  void foreignOriginIsRefused(@TempDir Path dataDir) {
    serveExamples();
    startGateway(dataDir, "http://app.example.test");
    openExample();
    awaitStatus("The client could not be loaded from http://127.0.0.1:" + gateway.port()
      + ": is this page's origin in its SEEDSTREAM_CORS_ORIGINS?");
    assertThat(gateway.simulator().requestCount()).isZero();
  }

  void awaitStatus(String text) {
    waiting().withMessage("the example's status: " + text)
      .until(d -> text.equals(d.findElement(By.id("status")).getText()));
  }

  String serveExamples() {
    Router router = Router.router(vertx);
    router.route("/*").handler(StaticHandler.create(FileSystemAccess.ROOT, Path.of("examples").toAbsolutePath().toString())
      .setCachingEnabled(false));
    examples = Await.result(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return "http://localhost:" + examples.actualPort();
  }

  void startGateway(Path dataDir, String corsOrigin) {
    gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "16",
      "SEEDSTREAM_CORS_ORIGINS", corsOrigin,
      "SEEDSTREAM_DATA_DIR", dataDir.toString()))));
  }

  void openExample() {
    driver().get("http://localhost:" + examples.actualPort() + "/live-group.html?gateway=http://127.0.0.1:" + gateway.port());
  }

  @Override
  WebDriverWait waiting() {
    return new WebDriverWait(driver(), Duration.ofSeconds(15), Duration.ofMillis(20));
  }
}
