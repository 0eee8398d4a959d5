package dev.seedstream.support;

import io.vertx.core.net.PfxOptions;

import java.nio.file.Path;

/**
 * The key and certificate for 127.0.0.1 that the build makes for its tests (target/test-tls, next to the trust
 * store the tests' JVM is started with), for fakes that serve over https.
 */
public final class TestTls {

  private TestTls() {
  }

  public static PfxOptions serverKey() {
    Path trust = Path.of(System.getProperty("javax.net.ssl.trustStore", "target/test-tls/trust.p12"));
    return new PfxOptions().setPath(trust.resolveSibling("server.p12").toString()).setPassword("test-only");
  }
}
