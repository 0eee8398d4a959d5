package dev.seedstream.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StreamProfileTest {

  @Test
  void survivesTheTripThroughThePrompt() {
    StreamProfile profile = new StreamProfile(20, 1000, 37, 8 << 20, true);
    assertThat(StreamProfile.fromPrompt(profile.toPrompt())).isEqualTo(profile);
  }

  @Test
  void aPromptWithoutKnobsAsksForOneUrlImageAtOnce() {
    assertThat(StreamProfile.fromPrompt("a red fox in the snow")).isEqualTo(new StreamProfile(1, 0, 0, 0, false));
  }
}
