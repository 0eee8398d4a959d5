package dev.seedstream;

import dev.seedstream.support.GatewayProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The real process, started as an operator would, stopped with SIGTERM while a generation runs. */
@DisplayName("R17 SIGTERM: the process drains and exits within the drain deadline plus 2 s")
class ProcessShutdownTest {

  @Test
  @DisplayName("a running stream gets shutting_down, and the process is gone within the deadline plus 2 s")
  void sigtermDrainsAndExits() throws Exception {
    try (GatewayProcess gateway = GatewayProcess.start("shutdown", Map.of("SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_DRAIN_MS", "500", "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "60000"))) {
      // The TLS engine is named after listening, by a background thread: the line must still come.
      assertThat(gateway.awaitLog("TLS to the upstream and image hosts: ", Duration.ofSeconds(10)))
        .contains("TLS to the upstream and image hosts: ");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/generations"))
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"slow\"}"))
        .build();
      HttpResponse<java.util.stream.Stream<String>> stream = http.send(post, HttpResponse.BodyHandlers.ofLines());
      var lines = stream.body().iterator();
      while (!lines.next().startsWith("event: started")) {
        // read up to the started event: the job is running upstream now
      }
      long start = System.nanoTime();
      // SIGTERM; the stream's remaining lines are read on another thread while the process drains.
      java.util.concurrent.CompletableFuture<Boolean> exited = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return gateway.terminate(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      StringBuilder rest = new StringBuilder();
      while (lines.hasNext()) {
        rest.append(lines.next()).append('\n');
      }
      assertThat(exited.get()).isTrue();
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.println("SIGTERM -> exit: " + ms + " ms (drain deadline 500 ms), exit code " + gateway.exitCode());
      assertThat(rest.toString()).contains("event: error").contains("\"code\":\"shutting_down\"").contains("\"retryable\":true");
      assertThat(ms).isLessThan(2500);
      assertThat(gateway.awaitLog("stopped after", Duration.ofSeconds(5))).as("item 9: the drain is logged with counts")
        .contains("draining: 1 running job(s)")
        .contains("drain deadline passed: ending 1 of 1 job(s) with shutting_down")
        .contains("stopped after");
    }
  }
}
