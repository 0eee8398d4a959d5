package dev.seedstream.support;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gateway as a real child process, started with {@code dev.seedstream.Main} as an operator would, so that
 * {@code kill -9}, {@code SIGSTOP} and {@code SIGTERM} are real. Its output is kept for assertions and printed
 * when a test fails ({@link #log()}).
 */
public final class GatewayProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  private final String name;
  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final int port;

  private GatewayProcess(String name, Process process) throws IOException {
    this.name = name;
    this.process = process;
    BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    int found = -1;
    String line;
    while (found < 0 && (line = lines.readLine()) != null) {
      output.append(line).append('\n');
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find()) {
        found = Integer.parseInt(matcher.group(1));
      }
    }
    if (found < 0) {
      throw new IllegalStateException(name + " exited before it listened:\n" + output);
    }
    this.port = found;
    Thread drain = new Thread(() -> {
      try {
        lines.lines().forEach(l -> output.append(l).append('\n'));
      } catch (UncheckedIOException goneWithTheProcess) {
        // the child exited
      }
    }, name + "-output");
    drain.setDaemon(true);
    drain.start();
  }

  /**
   * Starts a gateway with {@code env} on top of test defaults (any free HTTP port, a temporary data folder, no
   * key of the developer's own environment) and waits until it listens. A test's gateway lives for seconds, so
   * it runs with the first compiler tier only and one collector thread: compiling its start-up code (and
   * Hazelcast's) to the top tier was CPU taken from the tests on a 2-core machine, and ClusterTest's three-node
   * clusters took 63-66 s with it against 50-52 s without.
   */
  public static GatewayProcess start(String name, Map<String, String> env) throws IOException {
    return start(name, env, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
  }

  /** As {@link #start(String, Map)}, with these JVM options (heap, collector) instead of {@code -Xmx512m}. */
  public static GatewayProcess start(String name, Map<String, String> env, List<String> jvmOptions) throws IOException {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.seedstream.Main"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeIf(key -> key.startsWith("SEEDSTREAM_") || key.equals("ARK_API_KEY"));
    builder.environment().put("SEEDSTREAM_PORT", "0");
    builder.environment().put("SEEDSTREAM_DATA_DIR", Files.createTempDirectory("seedstream-" + name).toString());
    builder.environment().putAll(env);
    return new GatewayProcess(name, builder.start());
  }

  /** A TCP port free on loopback right now, for a member port every node must know in advance. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything the process printed so far. */
  public String log() {
    return output.toString();
  }

  /** Waits (up to {@code timeout}) until the process has printed {@code text}. */
  public String awaitLog(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output.toString().contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " never logged '" + text + "':\n" + output);
      }
      Thread.sleep(20);
    }
    return output.toString();
  }

  /** {@code kill -9}: the process gets no chance to say goodbye to anyone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** {@code SIGTERM}, as an orchestrator's rolling restart sends; true when it exited within {@code timeout}. */
  public boolean terminate(Duration timeout) throws InterruptedException {
    process.toHandle().destroy();
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** {@code SIGHUP}: the gateway reads its upstream pool again. */
  public void hangUp() throws IOException, InterruptedException {
    signal("HUP");
  }

  /** {@code SIGSTOP}: the process is frozen, its sockets open but silent, as in a long pause or a cut network. */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** {@code SIGCONT}: the frozen process runs again. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + name + " failed");
    }
  }

  /** The exit status; only once the process has exited. */
  public int exitCode() {
    return process.exitValue();
  }

  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      signal("CONT");
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
