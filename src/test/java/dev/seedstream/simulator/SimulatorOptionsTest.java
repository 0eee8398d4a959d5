package dev.seedstream.simulator;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SimulatorOptionsTest {

  @Test
  @DisplayName("defaults: loopback, free port, real-service pacing, no failures, 24 h URLs, LF")
  void defaults() {
    SimulatorOptions options = SimulatorOptions.defaults("k");

    assertThat(options).isEqualTo(new SimulatorOptions("127.0.0.1", 0, "k", 3000, 2500, 4, Set.of(), 0, -1,
      86_400_000, false, "The request failed because the output image may contain sensitive information."));
  }

  @Test
  @DisplayName("each with-method changes only its own knob")
  void withMethods() {
    SimulatorOptions options = SimulatorOptions.defaults("k")
      .withDelays(1, 2).withImageScale(8).withFailIndexes(Set.of(3)).withFailRequestStatus(429)
      .withFailMidStreamAfterImages(2).withUrlTtlMs(5).withCrlf(true).withPort(8089).withHost("localhost")
      .withFailMessage("<b>filtered</b>");

    assertThat(options).isEqualTo(new SimulatorOptions("localhost", 8089, "k", 1, 2, 8, Set.of(3), 429, 2, 5, true,
      "<b>filtered</b>"));
  }

  @Test
  @DisplayName("toString never shows the key")
  void toStringHidesKey() {
    assertThat(SimulatorOptions.defaults("sk-secret-123").toString()).doesNotContain("sk-secret-123").contains("apiKey=***");
  }

  @Test
  @DisplayName("invalid values are refused with a message naming the field")
  void validation() {
    SimulatorOptions base = SimulatorOptions.defaults("k");

    assertThatIllegalArgumentException().isThrownBy(() -> SimulatorOptions.defaults(" ")).withMessageContaining("apiKey");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withPort(70000)).withMessageContaining("port");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withDelays(-1, 0)).withMessageContaining("firstImageDelayMs");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withDelays(0, -1)).withMessageContaining("betweenImagesDelayMs");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withImageScale(0)).withMessageContaining("imageScale");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withFailIndexes(Set.of(15))).withMessageContaining("failIndexes");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withFailRequestStatus(200)).withMessageContaining("failRequestStatus");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withFailMidStreamAfterImages(-2))
      .withMessageContaining("failMidStreamAfterImages");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withUrlTtlMs(0)).withMessageContaining("urlTtlMs");
    assertThatIllegalArgumentException().isThrownBy(() -> base.withHost("")).withMessageContaining("host");
  }
}
