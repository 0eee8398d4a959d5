package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which URLs the store downloads. No test here opens a connection: only literal addresses and refusals. */
@DisplayName("Image download policy")
class FetchPolicyTest {

  final Vertx vertx = Gateway.newVertx();

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  String refusal(FetchPolicy policy, String url) {
    Future<FetchPolicy.Target> checked = policy.check(url);
    return Await.result(checked.map(t -> "allowed").recover(e -> Future.succeededFuture(e.getMessage())));
  }

  @Test
  @DisplayName("plain http, loopback and private addresses are refused unless trusted or allowed")
  void refusals() {
    FetchPolicy policy = new FetchPolicy(vertx, "http://127.0.0.1:4000", false);
    assertThat(refusal(policy, "http://images.example.com/a.jpeg")).contains("only https");
    assertThat(refusal(policy, "https://127.0.0.1/a.jpeg")).contains("loopback");
    assertThat(refusal(policy, "https://10.1.2.3/a.jpeg")).contains("private");
    assertThat(refusal(policy, "https://169.254.169.254/latest")).contains("metadata");
    assertThat(refusal(policy, "https://localhost/a.jpeg")).contains("local machine");
    assertThat(refusal(policy, "http://127.0.0.1:4001/images/a.jpeg")).contains("only https");
  }

  @Test
  @DisplayName("the simulator's own origin is fetched over http; a public literal address is allowed")
  void allowed() {
    FetchPolicy policy = new FetchPolicy(vertx, "http://127.0.0.1:4000", false);
    assertThat(refusal(policy, "http://127.0.0.1:4000/images/a.jpeg?sig=x")).isEqualTo("allowed");
    assertThat(refusal(policy, "https://93.184.215.14/a.jpeg")).isEqualTo("allowed");
    FetchPolicy open = new FetchPolicy(vertx, null, true);
    assertThat(refusal(open, "https://10.1.2.3/a.jpeg")).isEqualTo("allowed");
    assertThat(refusal(open, "http://10.1.2.3/a.jpeg")).contains("only https");
  }
}
