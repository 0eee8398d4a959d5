package dev.seedstream.access;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Signed EventSource access parameter")
class EventAccessTest {

  final AtomicLong now = new AtomicLong(1_780_000_000_000L);
  final Clock clock = new Clock() {
    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(now.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  };
  final EventAccess access = new EventAccess(clock);

  @Test
  @DisplayName("X10 access: valid for its job until it expires after 60 s, then refused")
  void expires() {
    String value = access.issue("job-a");
    assertThat(access.verify("job-a", value)).isTrue();
    now.addAndGet(EventAccess.TTL_MS);
    assertThat(access.verify("job-a", value)).as("still valid at the last millisecond").isTrue();
    now.addAndGet(1);
    assertThat(access.verify("job-a", value)).isFalse();
  }

  @Test
  @DisplayName("X10 access: bound to one job; a moved expiry, a changed tag or another process's key is refused")
  void boundAndUnforgeable() {
    String value = access.issue("job-a");
    int dot = value.indexOf('.');
    long expiry = Long.parseLong(value.substring(0, dot));
    String tag = value.substring(dot + 1);
    assertThat(access.verify("job-b", value)).isFalse();
    assertThat(access.verify("job-a", (expiry + 3_600_000) + "." + tag)).isFalse();
    assertThat(access.verify("job-a", expiry + "." + (tag.charAt(0) == 'A' ? 'B' : 'A') + tag.substring(1))).isFalse();
    assertThat(new EventAccess(clock).verify("job-a", value)).isFalse();
    assertThat(access.verify("job-a", null)).isFalse();
    assertThat(access.verify("job-a", "garbage")).isFalse();
    assertThat(access.verify("job-a", "")).isFalse();
  }
}
