package dev.seedstream.validation;

import dev.seedstream.Gateway;
import dev.seedstream.support.TestHttp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The upload endpoint over real HTTP on 127.0.0.1, with the handler mounted on a Router as the gateway will. */
class UploadHandlerTest {

  private static final String BOUNDARY = "seedstream-test-boundary";
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final long MIB = 1 << 20;
  private static final long HUGE_BODY = 50 * MIB;
  // What may arrive in the same read as the byte that crosses a limit, plus multipart framing.
  private static final long SLACK = 256 * 1024;

  private final MutableClock clock = new MutableClock();
  private final ModelCatalog catalog = ModelCatalog.load(Path.of("conf/models.json"));
  private final UploadStore store = new UploadStore(TTL, 64 * MIB, 64 * MIB, clock);
  private final Vertx vertx = Gateway.newVertx();
  private final Promise<Long> serverBytesAtClose = Promise.promise();
  private HttpClient client;
  private int port;

  private record Answer(int status, JsonObject body, long clientBytesWritten) {
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("a PNG and a JPEG are stored and described")
  void storesValidUploads() throws Exception {
    start(64 * MIB);
    byte[] png = TestImages.real("png", 64, 48);
    byte[] jpeg = TestImages.real("jpg", 640, 480);
    Answer answer = post(multipart(List.of(png, jpeg)));
    assertThat(answer.status()).isEqualTo(200);
    JsonArray uploads = answer.body().getJsonArray("uploads");
    assertThat(uploads).hasSize(2);
    assertUpload(uploads.getJsonObject(0), "png", 64, 48, png);
    assertUpload(uploads.getJsonObject(1), "jpeg", 640, 480, jpeg);
  }

  @Test
  @DisplayName("each bad file gets its own violation and nothing is stored")
  void refusesInvalidFiles() throws Exception {
    start(64 * MIB);
    byte[] good = TestImages.png(100, 100);
    byte[] text = "hello, not an image".getBytes();
    byte[] tiny = TestImages.png(14, 14);
    byte[] wide = TestImages.jpeg(301, 100);
    Answer answer = post(multipart(List.of(good, text, tiny, wide)));
    assertThat(answer.status()).isEqualTo(400);
    JsonObject error = answer.body().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_request");
    assertThat(error.getJsonArray("violations").stream().map(v -> ((JsonObject) v).getString("field")))
      .containsExactly("file[1]", "file[2]", "file[3]");
    assertThat(store.totalBytes()).isZero();
  }

  @Test
  @DisplayName("a body that is not multipart, or has no file, is refused with 400")
  void refusesRequestsWithoutFiles() throws Exception {
    start(64 * MIB);
    Answer json = send(Buffer.buffer("{\"image\":\"x\"}"), "application/json");
    assertThat(json.status()).isEqualTo(400);
    assertThat(json.body().getJsonObject("error").getJsonArray("violations").getJsonObject(0).getString("field")).isEqualTo("body");
    Answer empty = post(multipart(List.of()));
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.body().getJsonObject("error").getJsonArray("violations").getJsonObject(0).getString("field")).isEqualTo("file");
  }

  @Test
  @DisplayName("a file streamed far past the 10 MB per-file limit is refused with 413 long before the body ends")
  void refusesAnOversizedFileEarly() throws Exception {
    start(256 * MIB);
    Answer answer = streamHugeBody();
    assertPayloadTooLarge(answer, "file[0] is larger than 10485760 bytes");
    long serverRead = serverBytesAtClose.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(serverRead).as("bytes the server read").isBetween(10 * MIB, 10 * MIB + SLACK);
    assertThat(answer.clientBytesWritten()).as("bytes the client managed to write").isLessThan(HUGE_BODY);
  }

  @Test
  @DisplayName("a request streamed far past a 1 MiB total limit is refused with 413 long before the body ends")
  void refusesAnOversizedRequestEarly() throws Exception {
    start(MIB);
    Answer answer = streamHugeBody();
    assertPayloadTooLarge(answer, "the request body is larger than 1048576 bytes");
    long serverRead = serverBytesAtClose.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(serverRead).as("bytes the server read").isBetween(MIB, MIB + SLACK);
    assertThat(answer.clientBytesWritten()).as("bytes the client managed to write").isLessThan(HUGE_BODY);
  }

  @Test
  @DisplayName("a declared Content-Length over the limit is refused before any body is read")
  void refusesADeclaredOversizedBody() throws Exception {
    start(MIB);
    Answer answer = await(TestHttp.onContext(vertx, () -> client.request(HttpMethod.POST, port, "127.0.0.1", "/api/uploads").compose(request -> {
      request.putHeader(HttpHeaders.CONTENT_TYPE, "multipart/form-data; boundary=" + BOUNDARY)
        .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(HUGE_BODY));
      request.exceptionHandler(ignored -> { });
      request.write(Buffer.buffer("--" + BOUNDARY + "\r\n"));
      return request.response().compose(response -> response.body().map(body -> new Answer(response.statusCode(), body.toJsonObject(), 0)));
    })));
    assertPayloadTooLarge(answer, "the request body is larger than 1048576 bytes");
    assertThat(serverBytesAtClose.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS)).isLessThan(MIB);
  }

  @Test
  @DisplayName("an upload can be used as upload:<id> until its time to live passes on the injected clock")
  void uploadsExpire() throws Exception {
    start(64 * MIB);
    Answer answer = post(multipart(List.of(TestImages.png(100, 100))));
    String id = answer.body().getJsonArray("uploads").getJsonObject(0).getString("id");
    var validator = new RequestValidator(catalog, store, 4000);
    JsonObject request = new JsonObject().put("model", "doubao-seedream-4-0-250828").put("prompt", "a cat")
      .put("image", "upload:" + id);
    assertThat(validator.validate(request).upstreamBody().getString("image")).startsWith("data:image/png;base64,");
    clock.advance(TTL);
    assertThat(store.get(id)).isEmpty();
    assertThat(catchThrowable(() -> validator.validate(request)))
      .hasMessageContaining("unknown or has expired");
  }

  // ---- server and client

  private void start(long maxRequestBytes) {
    Router router = Router.router(vertx);
    UploadHandler uploads = new UploadHandler(catalog, store, maxRequestBytes, 4);
    router.post("/api/uploads").handler(this::recordConnection).handler(ctx -> uploads.handle(ctx, "client"));
    port = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await().actualPort();
    client = vertx.createHttpClient();
  }

  private void recordConnection(RoutingContext ctx) {
    var request = ctx.request();
    request.connection().closeHandler(closed -> serverBytesAtClose.tryComplete(request.bytesRead()));
    ctx.next();
  }

  private Answer post(Buffer body) throws Exception {
    return send(body, "multipart/form-data; boundary=" + BOUNDARY);
  }

  private Answer send(Buffer body, String contentType) throws Exception {
    // Built on a Vert.x context: from the test thread a fast answer could arrive before body() is attached.
    return await(TestHttp.onContext(vertx, () -> client.request(HttpMethod.POST, port, "127.0.0.1", "/api/uploads")
      .compose(request -> request.putHeader(HttpHeaders.CONTENT_TYPE, contentType).send(body))
      .compose(response -> response.body().map(content -> new Answer(response.statusCode(), content.toJsonObject(), body.length())))));
  }

  /** Streams one file part, chunked, towards 50 MiB, respecting back-pressure, until the server answers. */
  private Answer streamHugeBody() throws Exception {
    return await(TestHttp.onContext(vertx, () -> client.request(HttpMethod.POST, port, "127.0.0.1", "/api/uploads").compose(request -> {
      request.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "multipart/form-data; boundary=" + BOUNDARY);
      request.exceptionHandler(ignored -> { }); // the server closes the connection once it has answered
      var pump = new ChunkPump(request);
      pump.write(partHeader(0));
      pump.run();
      return request.response().compose(response -> {
        pump.stop();
        return response.body().map(body -> new Answer(response.statusCode(), body.toJsonObject(), pump.written));
      });
    })));
  }

  private static final class ChunkPump {
    private static final Buffer CHUNK = Buffer.buffer(new byte[64 * 1024]);
    private final HttpClientRequest request;
    private long written;
    private boolean stopped;

    ChunkPump(HttpClientRequest request) {
      this.request = request;
    }

    void write(Buffer buffer) {
      request.write(buffer);
      written += buffer.length();
    }

    void run() {
      while (!stopped && written < HUGE_BODY && !request.writeQueueFull()) {
        write(CHUNK);
      }
      if (!stopped && written < HUGE_BODY) {
        request.drainHandler(drained -> run());
      }
    }

    void stop() {
      stopped = true;
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  // ---- bodies and assertions

  private static Buffer multipart(List<byte[]> files) {
    Buffer body = Buffer.buffer();
    for (int i = 0; i < files.size(); i++) {
      body.appendBuffer(partHeader(i)).appendBytes(files.get(i)).appendString("\r\n");
    }
    return body.appendString("--" + BOUNDARY + "--\r\n");
  }

  private static Buffer partHeader(int index) {
    return Buffer.buffer("--" + BOUNDARY + "\r\n"
      + "Content-Disposition: form-data; name=\"file\"; filename=\"image-" + index + "\"\r\n"
      + "Content-Type: application/octet-stream\r\n\r\n");
  }

  private void assertUpload(JsonObject upload, String format, int width, int height, byte[] content) {
    assertThat(upload.getString("format")).isEqualTo(format);
    assertThat(upload.getInteger("width")).isEqualTo(width);
    assertThat(upload.getInteger("height")).isEqualTo(height);
    assertThat(upload.getLong("bytes")).isEqualTo(content.length);
    assertThat(upload.getString("id")).matches("[A-Za-z0-9_-]{22}");
    assertThat(store.get(upload.getString("id"))).hasValueSatisfying(stored -> assertThat(stored.content()).isEqualTo(content));
  }

  private static void assertPayloadTooLarge(Answer answer, String message) {
    assertThat(answer.status()).isEqualTo(413);
    assertThat(answer.body().getJsonObject("error").getString("code")).isEqualTo("payload_too_large");
    assertThat(answer.body().getJsonObject("error").getString("message")).startsWith(message);
    // issue 20 item 13: the answer names the limit and what sets it
    assertThat(answer.body().getJsonObject("error").getLong("limit_bytes")).isPositive();
    assertThat(answer.body().getJsonObject("error").getString("setting")).isNotBlank();
  }
}
