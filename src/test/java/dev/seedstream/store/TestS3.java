package dev.seedstream.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real S3-compatible server on a free loopback port: S3Proxy with its filesystem backend, started once per
 * test JVM in a process of its own from the jar Maven copies to {@code target/s3proxy} (its Jetty, Jackson and
 * Guava stay off the gateway's class path), with a bucket of its own for each data dir a test uses. The
 * store's tests keep images in it when the build sets {@code -Dseedstream.test.blobs=s3}; else in files.
 */
final class TestS3 {

  private static final String PROPERTY = "seedstream.test.blobs";
  static final String ACCESS_KEY = "seedstream-test";
  static final String SECRET_KEY = "seedstream-test-secret";
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static final Map<Path, String> BY_DATA_DIR = new ConcurrentHashMap<>();
  private static TestS3 server;

  final int port;
  private final Path properties;
  private Process process;

  private TestS3(int port, Path properties) {
    this.port = port;
    this.properties = properties;
  }

  /** Whether this run keeps images in the bucket. */
  static boolean enabled() {
    return "s3".equals(System.getProperty(PROPERTY));
  }

  /** The settings that put {@code dataDir}'s images in a bucket of their own: the same one each time. */
  static Map<String, String> envFor(Path dataDir) {
    TestS3 s3 = server();
    String bucket = BY_DATA_DIR.computeIfAbsent(dataDir.toAbsolutePath(), dir -> s3.createBucket());
    return Map.of("SEEDSTREAM_BLOB_URL", s3.url(bucket), "AWS_ACCESS_KEY_ID", ACCESS_KEY,
      "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  String url(String bucket) {
    return "s3://" + bucket + "/images?endpoint=http://127.0.0.1:" + port + "&path_style=true";
  }

  static synchronized TestS3 server() {
    if (server == null) {
      try {
        Path data = Files.createTempDirectory("seedstream-s3-");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
          port = free.getLocalPort();
        }
        Path properties = data.resolve("s3proxy.properties");
        Files.createDirectories(data.resolve("buckets"));
        Files.writeString(properties, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + ACCESS_KEY,
          "s3proxy.credential=" + SECRET_KEY,
          "jclouds.provider=filesystem-nio2",
          "jclouds.filesystem.basedir=" + data.resolve("buckets"),
          "jclouds.identity=" + ACCESS_KEY,
          "jclouds.credential=" + SECRET_KEY, ""));
        TestS3 s3 = new TestS3(port, properties);
        s3.start();
        Runtime.getRuntime().addShutdownHook(new Thread(s3::stop));
        server = s3;
      } catch (Exception e) {
        throw new IllegalStateException("could not start the test S3 server", e);
      }
    }
    return server;
  }

  /** Starts the server (again, after {@link #stop}: same port, same objects). */
  synchronized void start() throws IOException, InterruptedException {
    Path jar = Path.of("target", "s3proxy", "s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: the build copies it in process-test-resources");
    }
    process = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString(), "--properties",
      properties.toString())).redirectErrorStream(true).start();
    BufferedReader log = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    String line;
    while ((line = log.readLine()) != null) {
      seen.add(line);
      if (line.contains("Started ogsoejs.Server") || line.contains("Started Server")) {
        Thread drain = new Thread(() -> {
          try {
            while (log.readLine() != null) {
              // Not needed once it runs; reading keeps its pipe from filling.
            }
          } catch (IOException e) {
            // The server stopped.
          }
        }, "test-s3-log");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IllegalStateException("S3Proxy did not start: " + seen);
  }

  synchronized void startIfStopped() throws IOException, InterruptedException {
    if (process == null) {
      start();
    }
  }

  /** Stops the server, as a bucket that goes down would. */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /**
   * The client that makes buckets, one for the test JVM: closing an SDK client shuts its I/O threads down
   * gracefully, about two seconds, and a client per bucket put those seconds on every test.
   */
  private software.amazon.awssdk.services.s3.S3AsyncClient admin;

  /** A bucket made through the S3 API itself, as an operator would. */
  private synchronized String createBucket() {
    String bucket = "history-" + BUCKETS.incrementAndGet();
    if (admin == null) {
      admin = software.amazon.awssdk.services.s3.S3AsyncClient.builder()
        .region(software.amazon.awssdk.regions.Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:" + port))
        .forcePathStyle(true).credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
          software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY))).build();
    }
    try {
      admin.createBucket(b -> b.bucket(bucket)).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not create bucket " + bucket, e);
    }
    return bucket;
  }
}
