package dev.seedstream.browser;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The browser tests may skip on a laptop without Chromium, but never on CI. */
class HeadlessChromiumTest {

  static final List<Path> ABSENT = List.of(Path.of("/nonexistent/seedstream/chromium"));

  @Test
  @DisplayName("a missing browser fails the tests when CI=true, naming what is missing")
  void missingOnCiFails() {
    assertThatThrownBy(() -> HeadlessChromium.requireInstalled(ABSENT, "true"))
      .isInstanceOf(AssertionFailedError.class)
      .hasMessageContaining("CI=true").hasMessageContaining("/nonexistent/seedstream/chromium");
  }

  @Test
  @DisplayName("a missing browser skips the tests off CI, with a message saying how to install it")
  void missingOffCiSkips() {
    assertThatThrownBy(() -> HeadlessChromium.requireInstalled(ABSENT, null))
      .isInstanceOf(TestAbortedException.class)
      .hasMessageContaining("apt-get install -y chromium chromium-driver");
  }

  @Test
  @DisplayName("installed executables let the tests run")
  void presentPasses() {
    assertThatCode(() -> HeadlessChromium.requireInstalled(List.of(Path.of("/bin/sh")), "true")).doesNotThrowAnyException();
  }
}
