package dev.seedstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The real process, started as an operator would, stopped with SIGTERM while a generation runs. */
@DisplayName("R17 SIGTERM: the process drains and exits within the drain deadline plus 2 s")
class ProcessShutdownTest {

  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  // Everything the child printed after it started listening.
  private final StringBuffer childLog = new StringBuffer();

  @Test
  @DisplayName("a running stream gets shutting_down, and the process is gone within the deadline plus 2 s")
  void sigtermDrainsAndExits() throws Exception {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.seedstream.Main")
      .redirectErrorStream(true);
    builder.environment().put("SEEDSTREAM_PORT", "0");
    builder.environment().put("SEEDSTREAM_SIMULATE", "true");
    builder.environment().put("SEEDSTREAM_DRAIN_MS", "500");
    // The child keeps its history in a temporary folder, not in the working copy's ./data.
    builder.environment().put("SEEDSTREAM_DATA_DIR", Files.createTempDirectory("seedstream-process").toString());
    builder.environment().put("SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "60000");
    builder.environment().remove("SEEDSTREAM_API_KEY");
    builder.environment().remove("ARK_API_KEY");
    Process process = builder.start();
    try {
      BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      int port = awaitPort(output);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/generations"))
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"slow\"}"))
        .build();
      HttpResponse<java.util.stream.Stream<String>> stream = http.send(post, HttpResponse.BodyHandlers.ofLines());
      var lines = stream.body().iterator();
      while (!lines.next().startsWith("event: started")) {
        // read up to the started event: the job is running upstream now
      }
      long start = System.nanoTime();
      // SIGTERM through the handle: Process.destroy() would also close our end of the child's output.
      process.toHandle().destroy();
      StringBuilder rest = new StringBuilder();
      while (lines.hasNext()) {
        rest.append(lines.next()).append('\n');
      }
      assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
      long ms = (System.nanoTime() - start) / 1_000_000;
      System.out.println("SIGTERM -> exit: " + ms + " ms (drain deadline 500 ms), exit code " + process.exitValue());
      assertThat(rest.toString()).contains("event: error").contains("\"code\":\"shutting_down\"").contains("\"retryable\":true");
      assertThat(ms).isLessThan(2500);
      assertThat(awaitLog("stopped after")).as("item 9: the drain is logged with counts")
        .contains("draining: 1 running job(s)")
        .contains("drain deadline passed: ending 1 of 1 job(s) with shutting_down")
        .contains("stopped after");
    } finally {
      process.destroyForcibly();
    }
  }

  /** The child's output once it contains {@code text}; the process has exited, so its last lines are on their way. */
  private String awaitLog(String text) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!childLog.toString().contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return childLog.toString();
  }

  private int awaitPort(BufferedReader output) throws Exception {
    String line;
    while ((line = output.readLine()) != null) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        Thread drainer = new Thread(() -> {
          try {
            output.lines().forEach(l -> childLog.append(l).append('\n'));
          } catch (java.io.UncheckedIOException closedWithTheProcess) {
            // the child is gone; nothing more to read
          }
        }, "child-output");
        drainer.setDaemon(true);
        drainer.start();
        return Integer.parseInt(matcher.group(1));
      }
    }
    throw new AssertionError("the gateway never said where it listens");
  }
}
