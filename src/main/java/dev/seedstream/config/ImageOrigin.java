package dev.seedstream.config;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One configured origin that generated images may come from, in the CSP's own source syntax:
 * {@code https://host}, {@code http://host:port} or {@code https://*.domain}; a bare host means https.
 * The same entry feeds the page's {@code img-src} and the server-side check of upstream image URLs, so
 * the browser and the gateway agree on what is allowed.
 */
public final class ImageOrigin {

  private static final Pattern ENTRY =
    Pattern.compile("(https?)://(\\*\\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\\d{1,5})?");

  private ImageOrigin() {
  }

  /** The entry as {@code scheme://host[:port]}, lower case, or null when it is not a valid origin. */
  public static String normalise(String entry) {
    String value = entry.trim().toLowerCase(Locale.ROOT);
    if (value.endsWith("/")) {
      value = value.substring(0, value.length() - 1);
    }
    if (!value.contains("://")) {
      value = "https://" + value;
    }
    return ENTRY.matcher(value).matches() ? value : null;
  }

  /** Whether {@code url} is served from {@code origin} (a normalised entry); a wildcard needs a subdomain. */
  public static boolean matches(String origin, String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (uri.getScheme() == null || uri.getHost() == null) {
      return false;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort() == -1 ? defaultPort(scheme) : uri.getPort();
    return matches(origin, scheme, host, port);
  }

  private static boolean matches(String origin, String scheme, String host, int port) {
    int sep = origin.indexOf("://");
    String originScheme = origin.substring(0, sep);
    String rest = origin.substring(sep + 3);
    int colon = rest.lastIndexOf(':');
    int originPort = colon < 0 ? defaultPort(originScheme) : Integer.parseInt(rest.substring(colon + 1));
    String originHost = colon < 0 ? rest : rest.substring(0, colon);
    if (!originScheme.equals(scheme) || originPort != port) {
      return false;
    }
    return originHost.startsWith("*.") ? host.endsWith(originHost.substring(1)) : host.equals(originHost);
  }

  private static int defaultPort(String scheme) {
    return "https".equals(scheme) ? 443 : 80;
  }
}
