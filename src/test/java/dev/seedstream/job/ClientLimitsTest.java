package dev.seedstream.job;

import dev.seedstream.failure.ApiException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@DisplayName("Client limits: running generations and images per minute, per client, on a clock the test moves")
class ClientLimitsTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private void advanceSeconds(double seconds) {
    now.addAndGet((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
  }

  private static ApiException refusal(Runnable admit) {
    ApiException refused = catchThrowableOfType(admit::run, ApiException.class);
    assertThat(refused).as("refused").isNotNull();
    return refused;
  }

  @Test
  @DisplayName("a client at its running limit gets 429 rate_limited; a finished generation frees its place; others are not held")
  void runningLimit() {
    ClientLimits limits = new ClientLimits(2, 1000, now::get);
    limits.admit("a", 1);
    limits.admit("a", 1);
    ApiException refused = refusal(() -> limits.admit("a", 1));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("rate_limited");
    assertThat(refused.retryAfterSeconds()).isEqualTo(5);
    assertThatCode(() -> limits.admit("b", 1)).as("another client").doesNotThrowAnyException();
    limits.finished("a");
    assertThatCode(() -> limits.admit("a", 1)).doesNotThrowAnyException();
    assertThat(refusal(() -> limits.admit("a", 1)).code()).isEqualTo("rate_limited");
  }

  @Test
  @DisplayName("images are taken from a bucket of a minute's worth that refills continuously; Retry-After says when enough is back")
  void imagesPerMinute() {
    ClientLimits limits = new ClientLimits(100, 10, now::get);
    limits.admit("a", 6);
    limits.admit("a", 4);
    ApiException refused = refusal(() -> limits.admit("a", 3));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.code()).isEqualTo("rate_limited");
    // Ten a minute is one every six seconds: three images are eighteen seconds away.
    assertThat(refused.retryAfterSeconds()).isEqualTo(18);
    assertThatCode(() -> limits.admit("b", 10)).as("each client has its own bucket").doesNotThrowAnyException();

    advanceSeconds(12);
    assertThat(refusal(() -> limits.admit("a", 3)).retryAfterSeconds()).as("two of three are back").isEqualTo(6);
    advanceSeconds(6);
    limits.admit("a", 3);
    assertThat(refusal(() -> limits.admit("a", 1)).retryAfterSeconds()).isEqualTo(6);
  }

  @Test
  @DisplayName("a request for more than a minute's images needs the whole bucket, not more than it can ever hold")
  void largerThanAMinute() {
    ClientLimits limits = new ClientLimits(100, 10, now::get);
    limits.admit("a", 15);
    ApiException refused = refusal(() -> limits.admit("a", 15));
    assertThat(refused.retryAfterSeconds()).isEqualTo(60);
    advanceSeconds(3600);
    assertThatCode(() -> limits.admit("a", 15)).as("an hour later the bucket is full, not six buckets full")
      .doesNotThrowAnyException();
    assertThat(refusal(() -> limits.admit("a", 1)).code()).isEqualTo("rate_limited");
  }

  @Test
  @DisplayName("a refused request takes nothing: neither a running place nor images")
  void refusalTakesNothing() {
    ClientLimits limits = new ClientLimits(1, 10, now::get);
    limits.admit("a", 10);
    refusal(() -> limits.admit("a", 1));
    limits.finished("a");
    refusal(() -> limits.admit("a", 1));
    advanceSeconds(6);
    limits.admit("a", 1);
  }
}
