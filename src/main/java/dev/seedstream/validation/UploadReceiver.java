package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state of one upload request: the files received so far and the bytes counted. It answers
 * exactly once; when it answers before the body has ended it stops reading and closes the
 * connection, because the only other way to get rid of the rest of the body is to read it.
 */
final class UploadReceiver {

  /*
   * Closing a socket that still holds unread request bytes makes the kernel send RST, and an RST
   * can destroy the response in the client's receive buffer before the client reads it (RFC 9112
   * section 9.6). So the connection stays open, unread, this long after the answer is written.
   */
  static final long LINGER_MS = 1000;

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final ReferenceImageSpec rules;
  private final UploadStore store;
  private final long maxRequestBytes;
  private final String owner;
  private final List<Buffer> files = new ArrayList<>();
  private long requestBytes;
  private boolean answered;

  UploadReceiver(Vertx vertx, HttpServerRequest request, ReferenceImageSpec rules, UploadStore store, long maxRequestBytes,
                 String owner) {
    this.owner = owner;
    this.vertx = vertx;
    this.request = request;
    this.rules = rules;
    this.store = store;
    this.maxRequestBytes = maxRequestBytes;
  }

  /** 413 naming the limit in bytes and what sets it, so that a client can act on it. */
  static ApiException tooLarge(String what, long limit, String setting) {
    return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, what + " is larger than " + limit + " bytes (" + setting + ")")
      .withDetail("limit_bytes", limit).withDetail("setting", setting);
  }

  static ApiException requestTooLarge(long limit) {
    return tooLarge("the request body", limit, "SEEDSTREAM_MAX_REQUEST_BYTES");
  }

  void start() {
    request.setExpectMultipart(true);
    request.handler(this::countRequestBytes);
    request.uploadHandler(this::receiveFile);
    request.endHandler(ended -> finish());
    request.exceptionHandler(failure -> answered = true); // the client is gone: nobody to answer
    request.resume(); // in case a handler before this one paused the request
  }

  private void countRequestBytes(Buffer chunk) {
    requestBytes += chunk.length();
    if (!answered && requestBytes > maxRequestBytes) {
      refuse(requestTooLarge(maxRequestBytes));
    }
  }

  private void receiveFile(HttpServerFileUpload upload) {
    int index = files.size();
    Buffer content = Buffer.buffer();
    files.add(content);
    upload.handler(chunk -> {
      if (answered) {
        return;
      }
      if (content.length() + (long) chunk.length() > rules.maxBytes()) {
        refuse(tooLarge("file[" + index + "]", rules.maxBytes(), "reference_images.max_bytes in the model catalogue"));
      } else {
        content.appendBuffer(chunk);
      }
    });
  }

  private void finish() {
    if (answered) {
      return;
    }
    if (files.isEmpty()) {
      refuse(ApiException.invalid(List.of(new Violation("file", "send at least one PNG or JPEG file"))));
      return;
    }
    var findings = new Findings();
    List<byte[]> contents = new ArrayList<>();
    List<ImageInfo> infos = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      byte[] bytes = files.get(i).getBytes();
      check(bytes, "file[" + i + "]", findings).ifPresent(info -> {
        contents.add(bytes);
        infos.add(info);
      });
    }
    if (findings.hasViolations()) {
      refuse(ApiException.invalid(findings.violations()));
    } else {
      store(contents, infos);
    }
  }

  private Optional<ImageInfo> check(byte[] bytes, String field, Findings findings) {
    try {
      ImageInfo info = ImageHeaderReader.read(bytes);
      rules.problems(info, bytes.length).forEach(problem -> findings.violation(field, "image " + problem));
      return Optional.of(info);
    } catch (ImageHeaderException e) {
      findings.violation(field, e.getMessage());
      return Optional.empty();
    }
  }

  private void store(List<byte[]> contents, List<ImageInfo> infos) {
    var uploads = new JsonArray();
    try {
      for (int i = 0; i < contents.size(); i++) {
        Upload upload = store.put(owner, contents.get(i), infos.get(i));
        uploads.add(new JsonObject().put("id", upload.id()).put("width", upload.width()).put("height", upload.height())
          .put("bytes", upload.bytes()).put("format", upload.format()));
      }
    } catch (ApiException e) {
      refuse(e);
      return;
    }
    answer(200, new JsonObject().put("uploads", uploads));
  }

  void refuse(ApiException error) {
    if (error.retryAfterSeconds() != null) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(error.retryAfterSeconds()));
    }
    answer(error.status(), error.toJson());
  }

  private void answer(int status, JsonObject body) {
    answered = true;
    boolean bodyUnread = !request.isEnded();
    var response = request.response().setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (bodyUnread) {
      request.pause();
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    response.end(body.encode()).onComplete(written -> {
      if (bodyUnread) {
        vertx.setTimer(LINGER_MS, linger -> request.connection().close());
      }
    });
  }
}
