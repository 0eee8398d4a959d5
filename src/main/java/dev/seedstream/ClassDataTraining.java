package dev.seedstream;

import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.store.SqliteNativeLibrary;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The run {@code mvn package} makes under {@code -XX:ArchiveClassesAtExit}, so that the class-data archive
 * bin/seedstream uses is there from the first start after a build: it starts the gateway as the README's
 * command does (every default, the simulator), on a free loopback port with its data in a temporary folder,
 * asks for the page, {@code /healthz} and the OpenAPI document (whose YAML parser is otherwise loaded from the
 * jar the first time a client asks for it), makes one simulated generation through the drop-in endpoint (the HTTP
 * clients to the upstream and for the store's downloads, with their TLS engine, are made at their first use, so
 * their classes load only then), stops it and exits. The environment is left out on purpose: a key,
 * a cluster or a database set for this machine must not change what a build does. Silent unless it fails.
 * Given a folder, it also copies the SQLite driver's native library for this machine there
 * ({@link SqliteNativeLibrary}), the other thing bin/seedstream starts faster with.
 */
final class ClassDataTraining {

  static final String COMMAND = "class-data-training";

  private ClassDataTraining() {
  }

  /**
   * 0 when the gateway started, served the requests and stopped (and the SQLite library was copied into
   * {@code sqliteLibraryDir}, unless null); 1 with the reason on {@code err} otherwise.
   */
  static int run(Path sqliteLibraryDir, PrintStream err) {
    Logger.getLogger("").setLevel(Level.WARNING);
    Path data = null;
    Vertx vertx = null;
    try {
      data = Files.createTempDirectory("seedstream-class-data-training");
      // In Main's order, configuration first: Vert.x's classes, loaded with it, set Netty's logging to the JDK's.
      GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_HOST", "127.0.0.1", "SEEDSTREAM_PORT", "0",
        "SEEDSTREAM_DATA_DIR", data.toString(), "SEEDSTREAM_SIMULATE", "true",
        "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "0", "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "0"));
      vertx = Gateway.newVertx();
      Gateway gateway = Gateway.start(vertx, config).await();
      for (String path : List.of("/", "/healthz", "/api/openapi.json")) {
        String status = request(gateway.port(), "GET " + path, null);
        if (!status.startsWith("HTTP/1.1 200 ")) {
          throw new IllegalStateException("GET " + path + " answered " + status);
        }
      }
      String generated = request(gateway.port(), "POST /v1/images/generations",
        "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"class data training\",\"response_format\":\"url\"}");
      if (!generated.startsWith("HTTP/1.1 200 ")) {
        throw new IllegalStateException("POST /v1/images/generations answered " + generated);
      }
      gateway.close().await();
      if (sqliteLibraryDir != null) {
        SqliteNativeLibrary.copyTo(sqliteLibraryDir);
      }
      return 0;
    } catch (Exception e) {
      err.println("seedstream " + COMMAND + ": " + e);
      return 1;
    } finally {
      if (vertx != null) {
        vertx.close().await();
      }
      if (data != null) {
        deleteTree(data);
      }
    }
  }

  /**
   * The status line of a request ({@code "GET /path"}, with a JSON body unless null), over a plain socket: Vert.x's
   * own client says on stderr that it found no SLF4J provider.
   */
  private static String request(int port, String requestLine, String json) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(30_000);
      byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
      String head = requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        + (json == null ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n") + "\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      return response.lines().findFirst().orElse("no answer");
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
