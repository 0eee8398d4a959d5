package dev.seedstream.validation;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Parses IP address literals the way URL parsers in browsers and HTTP libraries do, including the
 * legacy IPv4 notations ({@code 2130706433}, {@code 0x7f.1}, {@code 0177.0.0.1}, {@code 127.1})
 * that SSRF filters miss. Pure text processing: no name is ever resolved.
 */
final class IpLiteral {

  private static final int MAX_PART_LENGTH = 12;

  private IpLiteral() {
  }

  /** True when a host name must be read as IPv4 (WHATWG "ends in a number"): its last label is numeric. */
  static boolean endsInNumber(String host) {
    String last = host.substring(host.lastIndexOf('.') + 1);
    return !last.isEmpty() && (last.chars().allMatch(Character::isDigit) || isHexPart(last));
  }

  /** The 32-bit address of a 1- to 4-part IPv4 literal in decimal, octal or hex parts, if it is one. */
  static OptionalLong parseIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4) {
      return OptionalLong.empty();
    }
    long address = 0;
    for (int i = 0; i < parts.length; i++) {
      OptionalLong value = parsePart(parts[i]);
      long limit = i == parts.length - 1 ? 1L << (8 * (5 - parts.length)) : 256;
      if (value.isEmpty() || value.getAsLong() >= limit) {
        return OptionalLong.empty();
      }
      address = i == parts.length - 1 ? (address << (8 * (5 - parts.length))) | value.getAsLong() : (address << 8) | value.getAsLong();
    }
    return OptionalLong.of(address);
  }

  /** Dotted-quad decimal without leading zeros: the only notation that needs no explaining. */
  static boolean isCanonicalIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (!part.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  private static OptionalLong parsePart(String part) {
    if (part.isEmpty() || part.length() > MAX_PART_LENGTH) {
      return OptionalLong.empty();
    }
    if (isHexPart(part)) {
      return part.length() == 2 ? OptionalLong.of(0) : parseDigits(part.substring(2), 16);
    }
    if (part.length() > 1 && part.charAt(0) == '0') {
      return parseDigits(part.substring(1), 8);
    }
    return parseDigits(part, 10);
  }

  private static OptionalLong parseDigits(String digits, int radix) {
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      int digit = Character.digit(digits.charAt(i), radix);
      if (digit < 0) {
        return OptionalLong.empty();
      }
      value = value * radix + digit;
    }
    return OptionalLong.of(value);
  }

  private static boolean isHexPart(String part) {
    return part.length() >= 2 && part.charAt(0) == '0' && (part.charAt(1) == 'x' || part.charAt(1) == 'X')
      && part.chars().skip(2).allMatch(c -> Character.digit(c, 16) >= 0);
  }

  /** The eight 16-bit groups of an IPv6 literal (without brackets), if it is one. */
  static Optional<int[]> parseIpv6(String text) {
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return Optional.empty();
    }
    int[] head = gap < 0 ? groups(text) : groups(text.substring(0, gap));
    int[] tail = gap < 0 ? new int[0] : groups(text.substring(gap + 2));
    if (head == null || tail == null) {
      return Optional.empty();
    }
    int given = head.length + tail.length;
    if (gap < 0 ? given != 8 : given > 7) {
      return Optional.empty();
    }
    int[] address = new int[8];
    System.arraycopy(head, 0, address, 0, head.length);
    System.arraycopy(tail, 0, address, 8 - tail.length, tail.length);
    return Optional.of(address);
  }

  /** Colon-separated hex groups, the last of which may be a dotted IPv4 address; null when malformed. */
  private static int[] groups(String text) {
    if (text.isEmpty()) {
      return new int[0];
    }
    String[] pieces = text.split(":", -1);
    String last = pieces[pieces.length - 1];
    boolean dotted = last.contains(".");
    int[] groups = new int[pieces.length + (dotted ? 1 : 0)];
    for (int i = 0; i < pieces.length - (dotted ? 1 : 0); i++) {
      if (!pieces[i].matches("[0-9A-Fa-f]{1,4}")) {
        return null;
      }
      groups[i] = Integer.parseInt(pieces[i], 16);
    }
    if (dotted) {
      if (!isCanonicalIpv4(last)) {
        return null;
      }
      long v4 = parseIpv4(last).orElseThrow();
      groups[pieces.length - 1] = (int) (v4 >>> 16);
      groups[pieces.length] = (int) (v4 & 0xFFFF);
    }
    return groups;
  }

  static String ipv4Text(long address) {
    return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
  }
}
