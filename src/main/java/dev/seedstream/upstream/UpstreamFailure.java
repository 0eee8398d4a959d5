package dev.seedstream.upstream;

import io.vertx.core.json.JsonObject;

/**
 * Why a generation failed, already in the public vocabulary (the README's Errors table): the code,
 * a sanitised message, whether retrying may help, and the upstream's HTTP status when there was one.
 */
public class UpstreamFailure extends RuntimeException {

  private final String code;
  private final boolean retryable;
  private final Integer upstreamStatus;
  private final Long retryAfterSeconds;

  public UpstreamFailure(String code, String message, boolean retryable, Integer upstreamStatus, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
    this.upstreamStatus = upstreamStatus;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static UpstreamFailure of(String code, String message) {
    return new UpstreamFailure(code, message, defaultRetryable(code), null, null);
  }

  private static boolean defaultRetryable(String code) {
    return switch (code) {
      case "upstream_rate_limited", "upstream_unavailable", "upstream_timeout", "upstream_truncated", "overloaded",
        "shutting_down" -> true;
      default -> false;
    };
  }

  /** The HTTP status the contract gives this code, for clients that see it before a stream starts. */
  public int httpStatus() {
    return switch (code) {
      case "upstream_rejected" -> 400;
      case "upstream_rate_limited" -> 429;
      case "upstream_timeout" -> 504;
      case "overloaded", "shutting_down" -> 503;
      default -> 502;
    };
  }

  public String code() {
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
    JsonObject json = new JsonObject().put("code", code).put("message", getMessage()).put("retryable", retryable);
    if (upstreamStatus != null) {
      json.put("upstream_status", upstreamStatus);
    }
    if (retryAfterSeconds != null) {
      json.put("retry_after", retryAfterSeconds);
    }
    return json;
  }
}
