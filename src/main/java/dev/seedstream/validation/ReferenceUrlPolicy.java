package dev.seedstream.validation;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Decides whether a reference-image URL may be forwarded (unfetched) to the upstream. Only the
 * text is judged: this class never resolves a name or opens a connection, so a host name that
 * resolves to a private address is the upstream's problem, while every literal address and
 * well-known internal name is refused here (OWASP SSRF prevention; case X6 of
 * docs/reliability-catalogue.md).
 */
public final class ReferenceUrlPolicy {

  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
  private static final Pattern PORT = Pattern.compile("[0-9]{0,5}");

  public Optional<String> problem(String url) {
    if (url.chars().anyMatch(c -> c <= 0x20 || c == 0x7F || c == '\\')) {
      return Optional.of("URL contains spaces, control characters or backslashes");
    }
    int colon = url.indexOf(':');
    String scheme = colon < 0 ? "" : url.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return Optional.of("only http and https URLs are accepted");
    }
    if (!url.startsWith("//", colon + 1)) {
      return Optional.of("URL must be absolute: " + scheme + "://host/path");
    }
    return authorityProblem(authority(url.substring(colon + 3)));
  }

  /**
   * What a resolved address (4 or 16 raw bytes) is, when nothing may be fetched from it (private, loopback,
   * link-local, metadata …). The gateway's own image downloads check every address a name resolves to; the
   * resolving is theirs, so this class still never touches the network.
   */
  public Optional<String> addressProblem(byte[] address) {
    if (address.length == 4) {
      long v4 = 0;
      for (byte b : address) {
        v4 = (v4 << 8) | (b & 0xFF);
      }
      return BlockedAddress.ipv4(v4);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((address[2 * i] & 0xFF) << 8) | (address[2 * i + 1] & 0xFF);
    }
    return BlockedAddress.ipv6(groups);
  }

  private static String authority(String afterSlashes) {
    int end = afterSlashes.length();
    for (char stop : new char[] {'/', '?', '#'}) {
      int at = afterSlashes.indexOf(stop);
      end = at >= 0 ? Math.min(end, at) : end;
    }
    return afterSlashes.substring(0, end);
  }

  private static Optional<String> authorityProblem(String authority) {
    if (authority.contains("@")) {
      return Optional.of("URLs with user information (user:password@) are not accepted");
    }
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0 || !portIsValid(authority.substring(close + 1))) {
        return Optional.of("URL has a malformed IPv6 host or port");
      }
      return ipv6Problem(authority.substring(1, close));
    }
    int colon = authority.indexOf(':');
    if (colon >= 0 && !portIsValid(authority.substring(colon))) {
      return Optional.of("URL has a malformed port");
    }
    return hostProblem(colon < 0 ? authority : authority.substring(0, colon));
  }

  private static boolean portIsValid(String suffix) {
    if (suffix.isEmpty()) {
      return true;
    }
    String digits = suffix.substring(1);
    return suffix.charAt(0) == ':' && PORT.matcher(digits).matches()
      && (digits.isEmpty() || Integer.parseInt(digits) <= 65535);
  }

  private static Optional<String> ipv6Problem(String literal) {
    return IpLiteral.parseIpv6(literal)
      .map(groups -> BlockedAddress.ipv6(groups).map(what -> "URL host [" + literal + "] is " + what))
      .orElseGet(() -> Optional.of("URL host [" + literal + "] is not a valid IPv6 address"));
  }

  private static Optional<String> hostProblem(String rawHost) {
    // Resolvers ignore one trailing dot, so "localhost." and "127.0.0.1." mean the same hosts.
    String host = stripTrailingDot(rawHost.toLowerCase(Locale.ROOT));
    if (host.isEmpty()) {
      return Optional.of("URL has no host");
    }
    if (!HOST_NAME.matcher(host).matches()) {
      return Optional.of("URL host must be plain ASCII letters, digits, dots, hyphens and underscores (use punycode for other names)");
    }
    return IpLiteral.endsInNumber(host) ? ipv4Problem(host) : nameProblem(host);
  }

  private static Optional<String> ipv4Problem(String host) {
    OptionalLong address = IpLiteral.parseIpv4(host);
    if (address.isEmpty()) {
      return Optional.of("URL host " + host + " is not a valid IPv4 address");
    }
    String canonical = IpLiteral.ipv4Text(address.getAsLong());
    Optional<String> blocked = BlockedAddress.ipv4(address.getAsLong());
    if (blocked.isPresent()) {
      return Optional.of("URL host " + host + (host.equals(canonical) ? "" : " (" + canonical + ")") + " is " + blocked.get());
    }
    if (!IpLiteral.isCanonicalIpv4(host)) {
      return Optional.of("URL host " + host + " is an unusual notation of " + canonical + "; write it as " + canonical);
    }
    return Optional.empty();
  }

  private static Optional<String> nameProblem(String host) {
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return Optional.of("URL host " + host + " is the local machine");
    }
    if (host.equals("metadata.google.internal") || host.equals("metadata")) {
      return Optional.of("URL host " + host + " is a cloud metadata service");
    }
    if (host.endsWith(".internal") || host.endsWith(".local") || !host.contains(".")) {
      return Optional.of("URL host " + host + " is not a public host name");
    }
    return Optional.empty();
  }

  private static String stripTrailingDot(String host) {
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }
}
