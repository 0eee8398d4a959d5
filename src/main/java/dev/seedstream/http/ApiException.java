package dev.seedstream.http;

import dev.seedstream.validation.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A failure that already knows how it looks to a client: HTTP status, contract error code
 * (api-contract.md section 5), message, and for {@code invalid_request} every violation.
 * Thrown anywhere before a stream starts; {@link #toJson()} is the one place the error body is shaped.
 */
public class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private final List<Violation> violations;
  private final Long retryAfterSeconds;

  public ApiException(int status, String code, String message) {
    this(status, code, message, List.of(), null);
  }

  public ApiException(int status, String code, String message, List<Violation> violations, Long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.violations = List.copyOf(violations);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException invalid(List<Violation> violations) {
    String message = violations.size() == 1
      ? violations.get(0).field() + ": " + violations.get(0).message()
      : violations.size() + " problems in the request";
    return new ApiException(400, "invalid_request", message, violations, null);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public List<Violation> violations() {
    return violations;
  }

  /** Seconds for a {@code Retry-After} header, or null when retrying will not help. */
  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject error = new JsonObject().put("code", code).put("message", getMessage());
    if (!violations.isEmpty()) {
      JsonArray list = new JsonArray();
      violations.forEach(v -> list.add(new JsonObject().put("field", v.field()).put("message", v.message())));
      error.put("violations", list);
    }
    return new JsonObject().put("error", error);
  }
}
