package dev.seedstream.failure;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Error codes")
class ErrorCodeTest {

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    // the contract's table of codes
    "invalid_request, 400", "unauthorized, 401", "not_found, 404", "payload_too_large, 413", "rate_limited, 429",
    "upstream_rejected, 400", "upstream_rate_limited, 429", "upstream_auth, 502", "upstream_unavailable, 502",
    "upstream_timeout, 504", "upstream_protocol, 502", "upstream_truncated, 502", "overloaded, 503",
    // the gateway's own refusals
    "cross_site_refused, 403", "method_not_allowed, 405", "unsupported_media_type, 415", "misdirected_request, 421",
    "idempotency_key_reused, 422", "internal_error, 500", "shutting_down, 503", "not_ready, 503", "budget_exceeded, 429"})
  @DisplayName("each code answers with the HTTP status the contract gives it")
  void statusOfEachCode(String wire, int status) {
    assertThat(byWire(wire).httpStatus()).isEqualTo(status);
  }

  @Test
  @DisplayName("every code is named on the wire as its constant in lower case, and is listed above")
  void wireNames() {
    assertThat(ErrorCode.values()).allSatisfy(code ->
      assertThat(code.wire()).isEqualTo(code.name().toLowerCase(Locale.ROOT)).matches("[a-z]+(_[a-z]+)*"));
    assertThat(ErrorCode.values()).hasSize(23);
  }

  @Test
  @DisplayName("only waiting can help: limits, load, shutdown, a lost cluster node, a file still being stored, and the upstream's passing faults")
  void retryableCodes() {
    assertThat(Arrays.stream(ErrorCode.values()).filter(ErrorCode::retryable)).containsExactlyInAnyOrderElementsOf(
      EnumSet.of(ErrorCode.RATE_LIMITED, ErrorCode.OVERLOADED, ErrorCode.SHUTTING_DOWN, ErrorCode.NOT_READY, ErrorCode.NODE_LOST,
        ErrorCode.UPSTREAM_RATE_LIMITED, ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT,
        ErrorCode.UPSTREAM_TRUNCATED));
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({"invalid_request, InvalidParameter", "unauthorized, AuthenticationError", "rate_limited, RateLimitExceeded",
    "overloaded, ServerOverloaded", "shutting_down, ServerOverloaded", "upstream_timeout, RequestTimeout",
    "upstream_unavailable, InternalServiceError", "upstream_auth, upstream_auth", "not_found, not_found"})
  @DisplayName("the drop-in envelope carries the upstream's code meaning the same, and the contract code as its type")
  void envelope(String wire, String upstreamCode) {
    JsonObject error = ErrorEnvelope.of(byWire(wire), "why", null).getJsonObject("error");
    assertThat(error).isEqualTo(new JsonObject().put("code", upstreamCode).put("message", "why").put("param", "")
      .put("type", wire));
  }

  @Test
  @DisplayName("an ApiException takes its status and wire code from its ErrorCode")
  void apiExceptionFollowsItsCode() {
    ApiException limited = new ApiException(ErrorCode.RATE_LIMITED, "slow down", 5L);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.code()).isEqualTo("rate_limited");
    assertThat(limited.retryAfterSeconds()).isEqualTo(5L);
    assertThat(limited.toJson()).isEqualTo(new JsonObject().put("error",
      new JsonObject().put("code", "rate_limited").put("message", "slow down")));

    ApiException invalid = ApiException.invalid(List.of(new Violation("size", "too small")));
    assertThat(invalid.errorCode()).isEqualTo(ErrorCode.INVALID_REQUEST);
    assertThat(invalid.status()).isEqualTo(400);
  }

  private static ErrorCode byWire(String wire) {
    return ErrorCode.valueOf(wire.toUpperCase(Locale.ROOT));
  }
}
