package dev.seedstream.upstream;

import dev.seedstream.failure.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * Why a generation failed, already in the public vocabulary (the README's Errors table): the code,
 * a sanitised message, whether retrying may help, and the upstream's HTTP status when there was one.
 */
public class UpstreamFailure extends RuntimeException {

  private final ErrorCode code;
  private final boolean retryable;
  private final Integer upstreamStatus;
  private final Long retryAfterSeconds;

  public UpstreamFailure(ErrorCode code, String message, boolean retryable, Integer upstreamStatus, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.upstreamStatus = upstreamStatus;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A failure with no upstream answer behind it, retryable as its code says. */
  public static UpstreamFailure of(ErrorCode code, String message) {
    return new UpstreamFailure(code, message, code.retryable(), null, null);
  }

  public ErrorCode errorCode() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }

  public Integer upstreamStatus() {
    return upstreamStatus;
  }

  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The payload of the {@code error} event. */
  public JsonObject toEventData() {
    JsonObject json = new JsonObject().put("code", code.wire()).put("message", getMessage()).put("retryable", retryable);
    if (upstreamStatus != null) {
      json.put("upstream_status", upstreamStatus);
    }
    if (retryAfterSeconds != null) {
      json.put("retry_after", retryAfterSeconds);
    }
    return json;
  }
}
