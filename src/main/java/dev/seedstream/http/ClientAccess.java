package dev.seedstream.http;

import dev.seedstream.access.ClientTokens;
import dev.seedstream.access.EventAccess;
import dev.seedstream.config.AccessSettings;
import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client access control for {@code /api} and {@code /v1} (the README's "Client access" section). With tokens
 * configured every call needs {@code Authorization: Bearer <token>}, except that a job's event stream
 * also opens with the signed {@code access} parameter its creator was given (EventSource cannot send
 * headers). The model catalogue stays open so the page can learn that it must ask for a token, and so do
 * the contract documents, which describe the API and hold nothing of any client's.
 *
 * <p>The durable image URLs ({@code /api/images/{job}/{index}}) are open too: an {@code <img>} cannot send
 * a header. The job id in them is 128 random bits, so such a URL is an unguessable capability, like a signed
 * object-storage URL, and the gateway hands it only to the job's owner (its events and snapshot); the global
 * {@code Referrer-Policy: no-referrer} keeps it from leaking through Referer.
 */
final class ClientAccess {

  private static final String CALLER = "seedstream.caller";
  private static final Pattern EVENTS_PATH = Pattern.compile("/api/generations/([A-Za-z0-9_-]{1,64})/events");
  // Characters of a job id and an index only: no dot, so no path that the router would normalise elsewhere.
  private static final Pattern IMAGE_PATH = Pattern.compile("/api/images/[A-Za-z0-9_-]{1,64}/[0-9]{1,4}");

  private final ClientTokens tokens;
  private final EventAccess events;
  private final AccessSettings settings;

  /** {@code tokens} null: the gateway is open, and a client is its address. */
  ClientAccess(ClientTokens tokens, EventAccess events, AccessSettings settings) {
    this.tokens = tokens;
    this.events = events;
    this.settings = settings;
  }

  boolean required() {
    return tokens != null;
  }

  void handle(RoutingContext ctx) {
    if (tokens == null) {
      String address = ctx.request().remoteAddress() == null ? "unknown" : ctx.request().remoteAddress().host();
      ctx.put(CALLER, new Caller("address:" + address, null, false));
      ctx.next();
      return;
    }
    if (open(ctx)) {
      ctx.next();
      return;
    }
    Caller caller = authenticate(ctx);
    if (caller == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"seedstream\"");
      ctx.fail(new ApiException(ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <token> with a token this gateway knows"));
      return;
    }
    ctx.put(CALLER, caller);
    ctx.next();
  }

  /** The catalogue, the contract documents and the durable image URLs, which need no token (see the class comment). */
  private static boolean open(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    String path = ctx.request().path();
    if (method == HttpMethod.GET && (path.equals("/api/models") || path.equals(ContractDocuments.OPENAPI_PATH)
      || path.equals(ContractDocuments.ASYNCAPI_PATH))) {
      return true;
    }
    return (method == HttpMethod.GET || method == HttpMethod.HEAD) && IMAGE_PATH.matcher(path).matches();
  }

  private Caller authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header != null) {
      boolean bearer = header.regionMatches(true, 0, "Bearer ", 0, 7);
      return bearer ? tokens.authenticate(header.substring(7).strip()).map(name -> new Caller("token:" + name, null, true)).orElse(null) : null;
    }
    Matcher stream = EVENTS_PATH.matcher(ctx.request().path());
    String access = ctx.request().getParam("access");
    if (ctx.request().method() == HttpMethod.GET && stream.matches() && events.verify(stream.group(1), access)) {
      return new Caller("", stream.group(1), true);
    }
    return null;
  }

  /**
   * {@code /metrics}: with {@code SEEDSTREAM_METRICS_TOKEN} set, that token (a scraper needs no client token);
   * else, when client tokens are on, any client token, because the figures describe every client's traffic;
   * else open, like the rest of a token-less gateway.
   */
  void handleMetrics(RoutingContext ctx, String metricsToken) {
    String header = ctx.request().getHeader("Authorization");
    String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
    boolean allowed;
    if (metricsToken != null) {
      allowed = presented != null && java.security.MessageDigest.isEqual(
        presented.getBytes(java.nio.charset.StandardCharsets.UTF_8), metricsToken.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } else {
      allowed = tokens == null || presented != null && tokens.authenticate(presented).isPresent();
    }
    if (!allowed) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"seedstream-metrics\"");
      ctx.fail(new ApiException(ErrorCode.UNAUTHORIZED, metricsToken != null
        ? "send Authorization: Bearer <SEEDSTREAM_METRICS_TOKEN>" : "send Authorization: Bearer <token> with a client token"));
      return;
    }
    ctx.next();
  }

  static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  /** Where the job's stream is; with tokens it carries a fresh signed {@code access} parameter. */
  String eventsUrl(String jobId) {
    String path = "/api/generations/" + jobId + "/events";
    return link(tokens == null ? path : path + "?access=" + events.issue(jobId));
  }

  /** A path as handed to clients: absolute on {@code SEEDSTREAM_PUBLIC_URL} when set, else relative. */
  String link(String path) {
    return settings.link(path);
  }
}
