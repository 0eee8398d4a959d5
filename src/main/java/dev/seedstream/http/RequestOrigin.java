package dev.seedstream.http;

import dev.seedstream.config.AccessSettings;
import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Refuses requests that a web page the operator happens to open could forge. A token-less gateway on
 * loopback trusts whoever reaches it, and a browser reaches it on behalf of any site:
 * <ul>
 *   <li><b>DNS rebinding</b>: a foreign site re-points its own name at 127.0.0.1 and reads the answers as
 *   same-origin. The browser then sends that foreign name as {@code Host}, so only host names the gateway is
 *   known by are answered (421 otherwise). IP literals cannot be rebound, and {@code localhost} names resolve
 *   to loopback inside the browser, so both are always accepted.</li>
 *   <li><b>Cross-site requests</b>: a page can POST {@code text/plain} to any address without a preflight.
 *   A state-changing request whose {@code Origin} is neither the gateway's own nor on
 *   {@code SEEDSTREAM_CORS_ORIGINS}, or that a browser marks {@code Sec-Fetch-Site: cross-site}, is refused
 *   (403) before anything is spent. Clients that are not browsers send neither header and pass.</li>
 * </ul>
 */
final class RequestOrigin {

  private static final Set<HttpMethod> STATE_CHANGING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
    HttpMethod.DELETE);
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Set<String> hosts;
  private final List<String> suffixes;
  private final boolean anyHost;
  private final Set<String> corsOrigins;

  private final String publicOrigin;

  /**
   * @param listenHost the address the gateway listens on; a name there is one it is known by
   * @param access     {@code SEEDSTREAM_ALLOWED_HOSTS} (exact names, {@code *.suffix} patterns, or {@code *}) and the
   *                   public URL, whose host is known too and whose origin is the gateway's own
   */
  RequestOrigin(String listenHost, AccessSettings access, List<String> corsOrigins) {
    List<String> names = access.allowedHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    this.anyHost = names.contains("*");
    this.hosts = names.stream().filter(h -> !h.startsWith("*")).collect(Collectors.toSet());
    this.suffixes = names.stream().filter(h -> h.startsWith("*.")).map(h -> h.substring(1)).toList();
    this.corsOrigins = Set.copyOf(corsOrigins);
    if (!listenHost.isEmpty() && !isIpLiteral(listenHost)) {
      hosts.add(listenHost.toLowerCase(Locale.ROOT));
    }
    this.publicOrigin = access.publicUrl() == null ? null : originOf(URI.create(access.publicUrl()));
    if (access.publicUrl() != null) {
      hosts.add(URI.create(access.publicUrl()).getHost().toLowerCase(Locale.ROOT));
    }
  }

  private static String originOf(URI uri) {
    return (uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())).toLowerCase(Locale.ROOT);
  }

  void handle(RoutingContext ctx) {
    String host = ctx.request().getHeader("Host");
    if (host != null && !knownHost(hostName(host))) {
      ctx.fail(new ApiException(ErrorCode.MISDIRECTED_REQUEST, "this gateway does not answer to the host name \""
        + printable(hostName(host)) + "\"; an operator who serves it under that name adds it to SEEDSTREAM_ALLOWED_HOSTS"));
      return;
    }
    if (STATE_CHANGING.contains(ctx.request().method()) && crossSite(ctx, host)) {
      ctx.fail(new ApiException(ErrorCode.CROSS_SITE_REFUSED, "a cross-site request was refused; a web app on another "
        + "origin must be listed in SEEDSTREAM_CORS_ORIGINS"));
      return;
    }
    ctx.next();
  }

  private boolean knownHost(String name) {
    if (anyHost || name.isEmpty() || isIpLiteral(name) || name.equals("localhost") || name.endsWith(".localhost")) {
      return true;
    }
    return hosts.contains(name) || suffixes.stream().anyMatch(name::endsWith);
  }

  private boolean crossSite(RoutingContext ctx, String host) {
    String origin = ctx.request().getHeader("Origin");
    if (origin != null) {
      return !corsOrigins.contains(origin) && !sameOrigin(origin, host) && !origin.equalsIgnoreCase(publicOrigin == null ? "" : publicOrigin);
    }
    String site = ctx.request().getHeader("Sec-Fetch-Site");
    return site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"));
  }

  /** The page's own origin: same host and port as the request was sent to ({@code null} never matches). */
  private static boolean sameOrigin(String origin, String host) {
    if (host == null) {
      return false;
    }
    String lower = origin.toLowerCase(Locale.ROOT);
    String authority = host.toLowerCase(Locale.ROOT);
    return lower.equals("http://" + authority) || lower.equals("https://" + authority)
      || authority.endsWith(":80") && lower.equals("http://" + authority.substring(0, authority.length() - 3))
      || authority.endsWith(":443") && lower.equals("https://" + authority.substring(0, authority.length() - 4));
  }

  /** The name in a Host header, lower case, without port or IPv6 brackets' port. */
  static String hostName(String header) {
    String value = header.trim().toLowerCase(Locale.ROOT);
    if (value.startsWith("[")) {
      int close = value.indexOf(']');
      return close < 0 ? value : value.substring(0, close + 1);
    }
    int colon = value.lastIndexOf(':');
    String name = colon < 0 ? value : value.substring(0, colon);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  private static boolean isIpLiteral(String name) {
    return IPV4.matcher(name).matches() || name.startsWith("[") && name.endsWith("]") || name.contains(":");
  }

  private static String printable(String text) {
    String cut = text.length() > 100 ? text.substring(0, 100) + "…" : text;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
