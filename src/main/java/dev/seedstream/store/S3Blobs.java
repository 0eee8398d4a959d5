package dev.seedstream.store;

import dev.seedstream.config.BlobUrl;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Images in an S3-compatible bucket (AWS S3, MinIO, R2, TOS, OSS …), keyed like the files
 * ({@code prefix/ab/abcd….jpeg}), so every gateway pointed at the bucket serves every image. Bytes are staged
 * in a local temporary file as they arrive (their sha256, the key, is known only at the end) and uploaded
 * from it in chunks, never whole in memory. Reads are ranged GETs streamed with backpressure.
 *
 * <p>The SDK's async client on its Netty HTTP client: it needs no native library (the CRT client does) and
 * runs on the Netty the gateway already has. Every call is bounded: connection, per-attempt and whole-call
 * timeouts, and at most {@link #MAX_CONNECTIONS} requests at once with a bounded queue behind them.
 * Checksums are sent and checked only where S3 requires them: several S3-compatible stores refuse the newer
 * default trailing checksums, and the sha256 in the key already identifies the bytes.
 */
final class S3Blobs implements BlobStore {

  private static final int MAX_CONNECTIONS = 32;
  private static final int MAX_WAITING = 1_000;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration IO_TIMEOUT = Duration.ofSeconds(30);
  /** A whole upload of the largest image over a slow link, retries included. */
  private static final Duration CALL_TIMEOUT = Duration.ofMinutes(2);
  /** Whether the bucket answers at all, at start-up. */
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);
  /** How long a presigned URL serves: long enough to follow the redirect, short enough not to be a key. */
  private static final Duration PRESIGNED_FOR = Duration.ofMinutes(10);

  /**
   * The SDK's I/O threads, one pair for the process: a client given its own group shuts it down gracefully on
   * close, which held every gateway stop for two seconds or more (and the test suite for minutes).
   */
  private static SdkEventLoopGroup eventLoops;

  private static synchronized SdkEventLoopGroup sharedEventLoops() {
    if (eventLoops == null) {
      eventLoops = SdkEventLoopGroup.builder().numberOfThreads(2).build();
    }
    return eventLoops;
  }

  private final Vertx vertx;
  private final BlobUrl url;
  private final BlobFiles staging;
  private final SdkAsyncHttpClient http;
  private final S3AsyncClient s3;
  private final S3Presigner presigner;

  S3Blobs(Vertx vertx, BlobUrl url, Path dataDir) {
    this.vertx = vertx;
    this.url = url;
    this.staging = new BlobFiles(vertx, dataDir);
    this.http = NettyNioAsyncHttpClient.builder().maxConcurrency(MAX_CONNECTIONS).maxPendingConnectionAcquires(MAX_WAITING)
      .connectionTimeout(CONNECT_TIMEOUT).connectionAcquisitionTimeout(CALL_TIMEOUT).readTimeout(IO_TIMEOUT)
      .writeTimeout(IO_TIMEOUT).eventLoopGroup(sharedEventLoops()).build();
    AwsCredentialsProvider credentials = url.accessKey() == null ? DefaultCredentialsProvider.builder().build()
      : StaticCredentialsProvider.create(AwsBasicCredentials.create(url.accessKey(), url.secretKey()));
    S3Configuration service = S3Configuration.builder().pathStyleAccessEnabled(url.pathStyle()).build();
    var builder = S3AsyncClient.builder().httpClient(http).region(Region.of(url.region())).credentialsProvider(credentials)
      .serviceConfiguration(service)
      .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
      .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
      .overrideConfiguration(o -> o.apiCallTimeout(CALL_TIMEOUT).apiCallAttemptTimeout(CALL_TIMEOUT));
    var presign = S3Presigner.builder().region(Region.of(url.region())).credentialsProvider(credentials)
      .serviceConfiguration(service);
    if (url.endpoint() != null) {
      builder.endpointOverride(url.endpoint());
      presign.endpointOverride(url.endpoint());
    }
    this.s3 = builder.build();
    this.presigner = presign.build();
  }

  /** Whether the bucket answers, for start-up: fails with the reason when it does not. */
  Future<Void> check() {
    // Bounded tighter than an upload: a bucket that accepts connections but does not answer (still starting)
    // must not hold the gateway's start-up, or its next try to open the store, for minutes.
    return Future.fromCompletionStage(s3.headBucket(b -> b.bucket(url.bucket())
        .overrideConfiguration(o -> o.apiCallTimeout(CHECK_TIMEOUT).apiCallAttemptTimeout(CHECK_TIMEOUT))),
        vertx.getOrCreateContext())
      .<Void>mapEmpty().recover(e -> Future.failedFuture(new IOException("the bucket " + url + " does not answer: "
        + describe(e))));
  }

  @Override
  public Path newTempFile() throws IOException {
    return staging.newTempFile();
  }

  @Override
  public void removeLeftovers() throws IOException {
    staging.removeLeftovers();
  }

  @Override
  public boolean local() {
    return false;
  }

  /** The staged file stays when the upload fails: the archive uploads it again while the bucket is away. */
  @Override
  public void commit(Blob blob) throws IOException {
    if (!exists(blob.sha256(), blob.format())) {
      put(blob);
    }
    Files.deleteIfExists(blob.file());
  }

  /** Uploads the blob's file as it is, streamed from disk, and leaves the file in place. Blocking. */
  void put(Blob blob) throws IOException {
    String key = url.key(blob.sha256(), blob.format());
    await(s3.putObject(p -> p.bucket(url.bucket()).key(key).contentType(blob.mediaType())
      .contentLength(blob.bytes()), AsyncRequestBody.fromFile(blob.file())));
  }

  @Override
  public boolean exists(String sha256, String format) throws IOException {
    try {
      await(s3.headObject(h -> h.bucket(url.bucket()).key(url.key(sha256, format))));
      return true;
    } catch (NotFound e) {
      return false;
    }
  }

  @Override
  public void delete(String sha256, String format) throws IOException {
    await(s3.deleteObject(d -> d.bucket(url.bucket()).key(url.key(sha256, format))));
  }

  @Override
  public Future<Void> copy(String sha256, String format, long start, long length, WriteStream<Buffer> out) {
    Context context = vertx.getOrCreateContext();
    if (length == 0) {
      return Future.succeededFuture();
    }
    String range = "bytes=" + start + "-" + (start + length - 1);
    return Future.fromCompletionStage(s3.getObject(g -> g.bucket(url.bucket()).key(url.key(sha256, format)).range(range),
        AsyncResponseTransformer.toPublisher()), context)
      .recover(e -> Future.failedFuture(new IOException("the bucket did not serve " + sha256 + ": " + describe(e))))
      .compose(body -> PublisherPipe.pipe(context, body, out, length));
  }

  @Override
  public Optional<Path> file(String sha256, String format) {
    return Optional.empty();
  }

  @Override
  public Optional<String> presignedUrl(String sha256, String format, String contentType, String contentDisposition) {
    return Optional.of(presigner.presignGetObject(p -> p.signatureDuration(PRESIGNED_FOR)
      .getObjectRequest(g -> g.bucket(url.bucket()).key(url.key(sha256, format)).responseContentType(contentType)
        .responseContentDisposition(contentDisposition).responseCacheControl("public, max-age=31536000, immutable")))
      .url().toString());
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(() -> {
      presigner.close();
      s3.close();
      http.close();
      return null;
    }, false);
  }

  /** A 404 from the bucket: the object is not there. */
  private static final class NotFound extends IOException {
    private NotFound() {
      super("not found", null);
    }
  }

  /** Waits for a call on a worker thread; the call's own timeouts bound the wait, the extra second is a backstop. */
  private static <T> T await(CompletableFuture<T> call) throws IOException {
    try {
      return call.get(CALL_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the bucket", e);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new IOException("the bucket did not answer within " + CALL_TIMEOUT.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof NoSuchKeyException || cause instanceof S3Exception s3e && s3e.statusCode() == 404) {
        throw new NotFound();
      }
      throw new IOException(describe(cause), cause);
    }
  }

  /** What went wrong in a line, without request ids or signatures. */
  static String describe(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof S3Exception s3e) {
      String code = s3e.awsErrorDetails() == null ? null : s3e.awsErrorDetails().errorCode();
      return "HTTP " + s3e.statusCode() + (code == null ? "" : " " + code);
    }
    if (cause instanceof SdkException && cause.getCause() != null) {
      return cause.getMessage() + " (" + cause.getCause().getClass().getSimpleName() + ")";
    }
    return String.valueOf(cause.getMessage());
  }
}
