package dev.seedstream.store;

import dev.seedstream.support.Await;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server on a free loopback port, started once per test JVM from the binaries Maven ships
 * (no install), with a fresh database for each data dir a test uses. The store's tests run against it when
 * the build sets {@code -Dseedstream.test.history=postgresql} (a surefire execution of its own does); else
 * they use SQLite. PostgreSQL refuses to run as root, so as root (CI) it runs as {@code nobody} via setpriv.
 */
final class TestPostgres {

  private static final String PROPERTY = "seedstream.test.history";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final Map<Path, String> BY_DATA_DIR = new ConcurrentHashMap<>();
  private static TestPostgres server;

  private final Path binaries;
  private final Path data;
  private final boolean root;
  final int port;
  /** The running server, or null while a test holds it stopped. */
  private Process process;

  private TestPostgres(Path binaries, Path data, boolean root, int port) {
    this.binaries = binaries;
    this.data = data;
    this.root = root;
    this.port = port;
  }

  /** Whether this run keeps the history in PostgreSQL. */
  static boolean enabled() {
    return "postgresql".equals(System.getProperty(PROPERTY));
  }

  /** The URL of a database of its own for {@code dataDir}: the same one each time, so a restart finds its history. */
  static String urlFor(Path dataDir) {
    TestPostgres pg = server();
    String name = BY_DATA_DIR.computeIfAbsent(dataDir.toAbsolutePath(), dir -> pg.createDatabase());
    return "postgresql://postgres@127.0.0.1:" + pg.port + "/" + name;
  }

  static synchronized TestPostgres server() {
    if (server == null) {
      try {
        server = launch();
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test PostgreSQL", e);
      }
    }
    return server;
  }

  private String createDatabase() {
    String name = "history_" + DATABASES.incrementAndGet();
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port)
        .setDatabase("postgres").setUser("postgres")).using(vertx).build();
      Await.result(pool.query("CREATE DATABASE " + name).execute(), 30_000);
      Await.result(pool.close());
      return name;
    } finally {
      Await.result(vertx.close());
    }
  }

  private static TestPostgres launch() throws Exception {
    Path binaries = extract();
    Path data = Files.createTempDirectory("seedstream-pg-data-");
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      run(List.of("chown", "nobody", data.toString()));
    }
    run(asUser(root, List.of(binaries.resolve("bin/initdb").toString(), "-A", "trust", "-U", "postgres", "-E",
      "UTF-8", "-D", data.toString())));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    TestPostgres pg = new TestPostgres(binaries, data, root, port);
    pg.start();
    Runtime.getRuntime().addShutdownHook(new Thread(pg::stop));
    return pg;
  }

  /** Starts the server on its port and data dir: at first, and again after {@link #stop}. */
  synchronized void start() throws IOException {
    if (process != null) {
      return;
    }
    Process postgres = new ProcessBuilder(asUser(root, List.of(binaries.resolve("bin/postgres").toString(), "-D",
      data.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", data.toString(), "-F",
      "-c", "max_connections=200"))).redirectErrorStream(true).start();
    BufferedReader log = new BufferedReader(new InputStreamReader(postgres.getInputStream(), StandardCharsets.UTF_8));
    String line;
    List<String> seen = new ArrayList<>();
    while ((line = log.readLine()) != null) {
      seen.add(line);
      if (line.contains("ready to accept connections")) {
        Thread drain = new Thread(() -> {
          try {
            while (log.readLine() != null) {
              // The server's log is not needed once it runs; reading it keeps its pipe from filling.
            }
          } catch (IOException e) {
            // The server stopped.
          }
        }, "test-postgres-log");
        drain.setDaemon(true);
        drain.start();
        process = postgres;
        return;
      }
    }
    throw new IllegalStateException("PostgreSQL did not start: " + seen);
  }

  /**
   * Stops the server, as a database that goes down would: a fast shutdown (SIGINT), which disconnects the
   * clients instead of waiting for them to leave.
   */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    try {
      new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private static List<String> asUser(boolean root, List<String> command) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** The binaries, unpacked once per machine from the Maven artifact into a directory every user can read. */
  private static Path extract() throws Exception {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "seedstream-pg-14.22.0");
    if (Files.isExecutable(dir.resolve("bin/postgres"))) {
      return dir;
    }
    Path unpacking = Files.createTempDirectory("seedstream-pg-unpack-");
    Path archive = unpacking.resolve("postgres.txz");
    try (InputStream in = TestPostgres.class.getResourceAsStream("/postgres-linux-x86_64.txz")) {
      if (in == null) {
        throw new IllegalStateException("the PostgreSQL binaries artifact is not on the test class path");
      }
      Files.copy(in, archive, StandardCopyOption.REPLACE_EXISTING);
    }
    Path tree = unpacking.resolve("tree");
    Files.createDirectories(tree);
    run(List.of("tar", "-xJf", archive.toString(), "-C", tree.toString()));
    run(List.of("chmod", "-R", "a+rX", unpacking.toString()));
    try {
      Files.move(tree, dir, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // Another JVM unpacked it first.
    }
    return dir;
  }

  private static void run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(command.get(0) + " failed: " + output);
    }
  }
}
