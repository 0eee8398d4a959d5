package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

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
    FetchPolicy policy = new FetchPolicy(vertx, "http://127.0.0.1:4000", false, List.of());
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
    FetchPolicy policy = new FetchPolicy(vertx, "http://127.0.0.1:4000", false, List.of());
    assertThat(refusal(policy, "http://127.0.0.1:4000/images/a.jpeg?sig=x")).isEqualTo("allowed");
    assertThat(refusal(policy, "https://93.184.215.14/a.jpeg")).isEqualTo("allowed");
    FetchPolicy open = new FetchPolicy(vertx, null, true, List.of());
    assertThat(refusal(open, "https://10.1.2.3/a.jpeg")).isEqualTo("allowed");
    assertThat(refusal(open, "http://10.1.2.3/a.jpeg")).contains("only https");
  }

  @Test
  @DisplayName("a host name that does not resolve is a download failure, not a disk error")
  void unresolvableHostIsADownloadFailure() {
    FetchPolicy policy = new FetchPolicy(vertx, null, false, List.of(), host -> {
      throw new java.net.UnknownHostException(host);
    });
    Throwable failure = Await.result(policy.check("https://images.example.com/a.jpeg")
      .map(t -> (Throwable) null).recover(Future::succeededFuture));
    assertThat(failure).isInstanceOf(StoreFailure.class);
    assertThat(((StoreFailure) failure).kind()).isEqualTo(StoreFailure.Kind.DOWNLOAD);
    assertThat(failure.getMessage()).contains("could not be resolved").doesNotContain("disk");
  }

  @Test
  @DisplayName("a durable URL redirects only where the store would download from, and only to a configured image host")
  void redirects() {
    FetchPolicy open = new FetchPolicy(vertx, "http://127.0.0.1:4000", false, List.of());
    assertThat(open.redirectProblem("https://images.example.com/a.jpeg")).isEmpty();
    assertThat(open.redirectProblem("http://127.0.0.1:4000/images/a.jpeg")).isEmpty();
    assertThat(open.redirectProblem("http://198.51.100.7/a.jpeg")).hasValueSatisfying(p -> assertThat(p).contains("only https"));
    assertThat(open.redirectProblem("https://10.1.2.3/a.jpeg")).hasValueSatisfying(p -> assertThat(p).contains("private"));
    FetchPolicy hosts = new FetchPolicy(vertx, null, false, List.of("https://*.example.com"));
    assertThat(hosts.redirectProblem("https://img.example.com/a.jpeg")).isEmpty();
    assertThat(hosts.redirectProblem("https://img.example.net/a.jpeg"))
      .hasValueSatisfying(p -> assertThat(p).contains("allowed image host"));
  }
}
