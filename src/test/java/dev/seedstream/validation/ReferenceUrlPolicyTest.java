package dev.seedstream.validation;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceUrlPolicyTest {

  private final ReferenceUrlPolicy policy = new ReferenceUrlPolicy();

  @ParameterizedTest(name = "{0} is refused: {1}")
  @CsvSource(delimiter = '|', value = {
    // schemes and shapes
    "file:///etc/passwd                              | only http and https",
    "gopher://example.com/_GET                       | only http and https",
    "ftp://example.com/a.png                         | only http and https",
    "javascript:alert(1)                             | only http and https",
    "//example.com/a.png                             | only http and https",
    "https:example.com/a.png                         | must be absolute",
    "https://user:pw@example.com/a.png               | user information",
    "https://example.com@127.0.0.1/                  | user information",
    "'https://example.com\\@127.0.0.1/'              | backslashes",
    "'https://exa mple.com/a.png'                    | spaces",
    "https:///a.png                                  | no host",
    "https://example.com:99999/a.png                 | malformed port",
    "https://example.com:8o/a.png                    | malformed port",
    "https://%31%32%37.0.0.1/                        | plain ASCII",
    "https://１２７.０.０.１/                          | plain ASCII",
    // names
    "http://localhost/                               | local machine",
    "http://LOCALHOST:8080/                          | local machine",
    "http://localhost./                              | local machine",
    "http://app.localhost/                           | local machine",
    "http://metadata.google.internal/computeMetadata | cloud metadata",
    "http://metadata/                                | cloud metadata",
    "http://intranet/                                | not a public host name",
    "http://printer.local/                           | not a public host name",
    "http://db.corp.internal/                        | not a public host name",
    // IPv4 literals
    "http://127.0.0.1:8080/                          | loopback",
    "http://127.255.255.254/                         | loopback",
    "http://2130706433/                              | 2130706433 (127.0.0.1) is a loopback",
    "http://0x7f.1/                                  | 0x7f.1 (127.0.0.1) is a loopback",
    "http://0x7F000001/                              | (127.0.0.1) is a loopback",
    "http://0177.0.0.1/                              | 0177.0.0.1 (127.0.0.1) is a loopback",
    "http://127.1/                                   | 127.1 (127.0.0.1) is a loopback",
    "http://127.0.0.1./                              | loopback",
    "http://0.0.0.0/                                 | unspecified",
    "http://0/                                       | unspecified",
    "http://10.1.2.3/                                | private (10.0.0.0/8)",
    "http://012.1.2.3/                               | private (10.0.0.0/8)",
    "http://172.16.0.1/                              | private (172.16.0.0/12)",
    "http://172.31.255.255/                          | private (172.16.0.0/12)",
    "http://192.168.1.1/                             | private (192.168.0.0/16)",
    "http://100.64.0.1/                              | carrier-grade NAT",
    "http://100.127.255.255/                         | carrier-grade NAT",
    "http://169.254.169.254/latest/meta-data/        | cloud metadata",
    "http://2852039166/                              | cloud metadata",
    "http://169.254.1.1/                             | link-local",
    "http://224.0.0.1/                               | multicast",
    "http://239.255.255.250/                         | multicast",
    "http://255.255.255.255/                         | broadcast",
    "http://8.8.8.010/                               | unusual notation of 8.8.8.8",
    "http://134744072/                               | unusual notation of 8.8.8.8",
    "http://256.1.1.1/                               | not a valid IPv4 address",
    "http://1.2.3.4.5/                               | not a valid IPv4 address",
    "http://example.123/                             | not a valid IPv4 address",
    "http://08.1.1.1/                                | not a valid IPv4 address",
    // IPv6 literals
    "http://[::1]/                                   | loopback",
    "http://[0:0:0:0:0:0:0:1]:8080/                  | loopback",
    "http://[::]/                                    | unspecified",
    "http://[::ffff:127.0.0.1]/                      | IPv4-mapped",
    "http://[::ffff:7f00:1]/                         | IPv4-mapped",
    "http://[::ffff:8.8.8.8]/                        | IPv4-mapped",
    "http://[::127.0.0.1]/                           | IPv4-compatible",
    "http://[fe80::1]/                               | link-local",
    "http://[febf::1]/                               | link-local",
    "http://[fec0::1]/                               | site-local",
    "http://[fc00::1]/                               | unique-local",
    "http://[fdff:ffff::1]/                          | unique-local",
    "http://[fd00:ec2::254]/                         | cloud metadata",
    "http://[ff02::1]/                               | multicast",
    "http://[64:ff9b::a9fe:a9fe]/                    | NAT64 address of a cloud metadata",
    "http://[64:ff9b::10.0.0.1]/                     | NAT64 address of a private",
    "http://[2002:7f00:1::]/                         | 6to4 address of a loopback",
    "http://[fe80::1%25eth0]/                        | not a valid IPv6",
    "http://[1:2:3:4:5:6:7:8:9]/                     | not a valid IPv6",
    "http://[1::2::3]/                               | not a valid IPv6",
    "http://[::1/                                    | malformed IPv6",
    "http://[::1]x/                                  | malformed IPv6",
  })
  void refuses(String url, String expected) {
    assertThat(policy.problem(url)).hasValueSatisfying(message -> assertThat(message).contains(expected));
  }

  @ParameterizedTest(name = "{0} is accepted")
  @ValueSource(strings = {
    "https://ark-project.tos-cn-beijing.volces.com/doc_image/seedream4_imagesToimage_1.png",
    "https://ark-project.tos-cn-beijing.volces.com/doc_image/seedream4_imagesToimage_2.png",
    "http://example.com/a.png",
    "HTTPS://Example.COM:443/a.png?x=1#frag",
    "https://example.com./a.png",
    "https://cdn.example.com:8443",
    "https://xn--fsq.example.com/图1.png",
    "https://8.8.8.8/a.png",
    "https://172.32.0.1/a.png",
    "https://100.128.0.1/a.png",
    "https://[2606:4700:4700::1111]/a.png",
    "https://[2001:db8::ffff:1]:8443/a.png",
    "https://localhost.example.com/a.png",
  })
  void accepts(String url) {
    assertThat(policy.problem(url)).isEmpty();
  }

  @Test
  @DisplayName("the policy cannot do network I/O: its classes reference no resolver, socket or URL connection")
  void neverTouchesTheNetwork() throws IOException {
    for (Class<?> type : new Class<?>[] {ReferenceUrlPolicy.class, IpLiteral.class, BlockedAddress.class}) {
      String constantPool = classFileText(type);
      assertThat(constantPool).as(type.getSimpleName())
        .doesNotContain("java/net/InetAddress", "java/net/Socket", "java/net/URL", "java/net/http", "java/nio/channels");
    }
  }

  private static String classFileText(Class<?> type) throws IOException {
    try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
