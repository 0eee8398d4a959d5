package dev.seedstream;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The gateway's Vert.x runs on epoll wherever the bundled library fits, so a packaging slip shows here. */
class GatewayTransportTest {

  @Test
  void epollOnLinuxX8664() {
    assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"),
      "the bundled native library is for Linux x86-64 only");
    Vertx vertx = Gateway.newVertx();
    try {
      assertThat(vertx.isNativeTransportEnabled())
        .as("native transport; cause if not: %s", vertx.unavailableNativeTransportCause())
        .isTrue();
    } finally {
      vertx.close();
    }
  }
}
