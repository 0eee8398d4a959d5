package dev.seedstream.validation;

import java.util.Optional;

/**
 * Address ranges a reference URL may not point at: whoever fetches it (today the upstream,
 * maybe one day the gateway) would be reaching into a private network or a cloud metadata service.
 */
final class BlockedAddress {

  private record Range(long base, int prefix, String what) {
    boolean contains(long address) {
      long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
      return (address & mask) == base;
    }
  }

  private static final long METADATA_V4 = 0xA9FEA9FEL; // 169.254.169.254

  // Checked in order, so that the metadata address wins over its link-local range.
  private static final Range[] IPV4 = {
    new Range(0x00000000L, 8, "an unspecified (0.0.0.0/8) address"),
    new Range(0x0A000000L, 8, "a private (10.0.0.0/8) address"),
    new Range(0x64400000L, 10, "a shared carrier-grade NAT (100.64.0.0/10) address"),
    new Range(0x7F000000L, 8, "a loopback address"),
    new Range(0xA9FE0000L, 16, "a link-local (169.254.0.0/16) address"),
    new Range(0xAC100000L, 12, "a private (172.16.0.0/12) address"),
    new Range(0xC0000000L, 24, "a reserved (192.0.0.0/24) address"),
    new Range(0xC0A80000L, 16, "a private (192.168.0.0/16) address"),
    new Range(0xC6120000L, 15, "a reserved benchmarking (198.18.0.0/15) address"),
    new Range(0xE0000000L, 4, "a multicast address"),
    new Range(0xF0000000L, 4, "a reserved (240.0.0.0/4) or broadcast address"),
  };

  private BlockedAddress() {
  }

  static Optional<String> ipv4(long address) {
    if (address == METADATA_V4) {
      return Optional.of("a cloud metadata address");
    }
    for (Range range : IPV4) {
      if (range.contains(address)) {
        return Optional.of(range.what());
      }
    }
    return Optional.empty();
  }

  static Optional<String> ipv6(int[] groups) {
    if (isMetadataV6(groups)) {
      return Optional.of("a cloud metadata address");
    }
    if (leadingZeroGroups(groups) >= 5) {
      return embeddedIpv4Prefix(groups);
    }
    return special(groups);
  }

  /** ::, ::1, ::a.b.c.d and ::ffff:a.b.c.d: all of them really mean a local or an IPv4 host. */
  private static Optional<String> embeddedIpv4Prefix(int[] groups) {
    long tail = ((long) groups[6] << 16) | groups[7];
    if (groups[5] == 0xFFFF) {
      return Optional.of("an IPv4-mapped IPv6 address (" + IpLiteral.ipv4Text(tail) + "); write IPv4 addresses as such");
    }
    if (groups[5] != 0) {
      return Optional.empty();
    }
    if (tail == 0) {
      return Optional.of("the unspecified address");
    }
    if (tail == 1) {
      return Optional.of("a loopback address");
    }
    return Optional.of("an IPv4-compatible IPv6 address (" + IpLiteral.ipv4Text(tail) + ")");
  }

  private static Optional<String> special(int[] groups) {
    int first = groups[0];
    if ((first & 0xFFC0) == 0xFE80) {
      return Optional.of("a link-local (fe80::/10) address");
    }
    if ((first & 0xFFC0) == 0xFEC0) {
      return Optional.of("a site-local (fec0::/10) address");
    }
    if ((first & 0xFE00) == 0xFC00) {
      return Optional.of("a unique-local (fc00::/7) address");
    }
    if ((first & 0xFF00) == 0xFF00) {
      return Optional.of("a multicast address");
    }
    return translatedIpv4(groups);
  }

  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address that decides where traffic lands.
  private static Optional<String> translatedIpv4(int[] groups) {
    if (groups[0] == 0x64 && groups[1] == 0xFF9B && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0) {
      return ipv4(((long) groups[6] << 16) | groups[7]).map(what -> "a NAT64 address of " + what);
    }
    if (groups[0] == 0x2002) {
      return ipv4(((long) groups[1] << 16) | groups[2]).map(what -> "a 6to4 address of " + what);
    }
    return Optional.empty();
  }

  private static boolean isMetadataV6(int[] groups) {
    return groups[0] == 0xFD00 && groups[1] == 0x0EC2 && groups[2] == 0 && groups[3] == 0
      && groups[4] == 0 && groups[5] == 0 && groups[6] == 0 && groups[7] == 0x0254;
  }

  private static int leadingZeroGroups(int[] groups) {
    int count = 0;
    while (count < 8 && groups[count] == 0) {
      count++;
    }
    return count;
  }
}
