package dev.seedstream.upstream;

import dev.seedstream.failure.ErrorCode;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns the upstream's error answers into {@link UpstreamFailure}s. Both envelope shapes arrive here:
 * Ark's {@code {"error":{"code","message","param","type"}}} and the new-api/DMXAPI relay's, whose message
 * ends in {@code (request id: …)} (docs/upstream-protocol.md §6.1). The request id stays in the
 * message because support needs it; anything that could be a credential is removed.
 */
public final class UpstreamErrors {

  private static final int MAX_MESSAGE = 400;
  /** The longest wait the gateway passes on, on both endpoints: a day. */
  static final long MAX_RETRY_AFTER_SECONDS = 86_400;
  private static final Pattern KEY_LIKE = Pattern.compile("(?i)(sk-[A-Za-z0-9_\\-]{6,}|bearer\\s+\\S+)");
  private static final Pattern SIGNED_QUERY = Pattern.compile("(?i)(x-tos-(signature|credential)=)[^&\\s\"]+");
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029]+");

  private final KeyRedactor key;

  public UpstreamErrors(String apiKey) {
    this.key = new KeyRedactor(apiKey);
  }

  /** The redaction of the key alone, for text that must otherwise reach the client unchanged. */
  KeyRedactor key() {
    return key;
  }

  /** An HTTP error response; {@code body} is at most a bounded prefix of what the upstream sent. */
  public UpstreamFailure fromResponse(int status, String retryAfterHeader, String body) {
    JsonObject error = errorObject(body);
    String upstreamCode = error == null ? null : text(error, "code", null);
    String detail = error == null ? "HTTP " + status + " without a JSON error body" : describe(error);
    ErrorCode code = codeFor(status, upstreamCode);
    Long retryAfter = parseRetryAfter(retryAfterHeader);
    String message = switch (code) {
      case UPSTREAM_AUTH -> "the upstream refused the gateway's API key or the key lacks this model (" + detail + ")";
      case UPSTREAM_RATE_LIMITED -> "the upstream is rate limiting this account (" + detail + ")";
      default -> detail;
    };
    return new UpstreamFailure(code, sanitise(message), code.retryable(), status, retryAfter);
  }

  /** A {@code {"error":{…}}} object that arrived inside a 200 stream: the whole request failed. */
  public UpstreamFailure fromStreamError(JsonObject error) {
    String upstreamCode = text(error, "code", "");
    ErrorCode code = codeFor(0, upstreamCode);
    return new UpstreamFailure(code, sanitise(describe(error)), code != ErrorCode.UPSTREAM_REJECTED, null, null);
  }

  /**
   * The upstream's own envelope, {@code {"error":{"code","message","param","type"}}}, for the drop-in endpoint:
   * the fields SDKs read, each sanitised; an error that is not an object becomes the message.
   */
  JsonObject sanitisedEnvelope(Object error) {
    JsonObject details = error instanceof JsonObject o ? o : new JsonObject().put("message", String.valueOf(error));
    JsonObject clean = new JsonObject();
    for (String field : List.of("code", "message", "param", "type")) {
      Object value = details.getValue(field);
      clean.put(field, value == null ? "" : sanitise(String.valueOf(value)));
    }
    return new JsonObject().put("error", clean);
  }

  /** Strips control characters (no line can be forged), credentials and signatures, and bounds the length. */
  public String sanitise(String text) {
    if (text == null) {
      return "";
    }
    String clean = key.redact(text);
    clean = KEY_LIKE.matcher(clean).replaceAll("[redacted]");
    clean = SIGNED_QUERY.matcher(clean).replaceAll("$1[redacted]");
    clean = CONTROL.matcher(clean).replaceAll(" ").strip();
    return clean.length() > MAX_MESSAGE ? clean.substring(0, MAX_MESSAGE) + "…" : clean;
  }

  private static JsonObject errorObject(String body) {
    if (body == null || !body.stripLeading().startsWith("{")) {
      return null;
    }
    try {
      Object error = new JsonObject(body).getValue("error");
      if (error instanceof JsonObject object) {
        return object;
      }
      return error instanceof String text ? new JsonObject().put("message", text) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** A field of untrusted JSON as text, whatever its JSON type; {@code absent} when it is missing or null. */
  static String text(JsonObject json, String key, String absent) {
    Object value = json.getValue(key);
    return value == null ? absent : String.valueOf(value);
  }

  private static String describe(JsonObject error) {
    String code = text(error, "code", null);
    String message = text(error, "message", "");
    return code == null || code.isEmpty() ? message : code + ": " + message;
  }

  /** The contract code for an upstream answer; the HTTP status decides, the upstream's code refines. */
  static ErrorCode codeFor(int status, String upstreamCode) {
    String c = upstreamCode == null ? "" : upstreamCode.toLowerCase(Locale.ROOT);
    if (status == 401 || status == 403 || c.startsWith("authentication") || c.startsWith("accessdenied")
      || c.equals("modelnotopen") || c.startsWith("invalidendpointormodel") || c.startsWith("accountoverdue")) {
      return ErrorCode.UPSTREAM_AUTH;
    }
    if (status == 429 || c.contains("ratelimit") || c.contains("quotaexceeded") || c.contains("serveroverloaded")
      || c.contains("requestbursttoofast")) {
      return ErrorCode.UPSTREAM_RATE_LIMITED;
    }
    if (status == 408 || status == 504 || c.contains("timeout")) {
      return ErrorCode.UPSTREAM_TIMEOUT;
    }
    if (status >= 500 || c.startsWith("internalserviceerror") || c.equals("bad_response_body")) {
      return ErrorCode.UPSTREAM_UNAVAILABLE;
    }
    if (status == 404) {
      return ErrorCode.UPSTREAM_AUTH;
    }
    if (status >= 400 || c.startsWith("invalidparameter") || c.startsWith("missingparameter")
      || c.contains("sensitivecontent")) {
      return ErrorCode.UPSTREAM_REJECTED;
    }
    return ErrorCode.UPSTREAM_UNAVAILABLE;
  }

  /**
   * Retry-After in whole seconds, at most {@value #MAX_RETRY_AFTER_SECONDS}; HTTP-date forms and nonsense are
   * ignored rather than guessed at. A longer wait is capped, not dropped: dropping it would tell a client (and
   * the gateway's own retry) that it may try again at once, the opposite of what the upstream said.
   */
  static Long parseRetryAfter(String header) {
    if (header == null) {
      return null;
    }
    String value = header.trim();
    if (!value.matches("[0-9]{1,64}")) {
      return null;
    }
    return value.length() > 18 ? MAX_RETRY_AFTER_SECONDS : Math.min(Long.parseLong(value), MAX_RETRY_AFTER_SECONDS);
  }
}
