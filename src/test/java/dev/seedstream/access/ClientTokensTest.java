package dev.seedstream.access;

import dev.seedstream.config.ConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Client tokens (SEEDSTREAM_TOKENS)")
class ClientTokensTest {

  static final String ALICE = "alice-token-0123456789";
  static final String BOB = "bob-token-abcdefghijklm";

  @Test
  @DisplayName("comma-separated name:token pairs authenticate to their names; anything else to nobody")
  void pairs() {
    ClientTokens tokens = ClientTokens.parse("alice:" + ALICE + ", bob:" + BOB);
    assertThat(tokens.size()).isEqualTo(2);
    assertThat(tokens.authenticate(ALICE)).contains("alice");
    assertThat(tokens.authenticate(BOB)).contains("bob");
    assertThat(tokens.authenticate(ALICE + "x")).isEmpty();
    assertThat(tokens.authenticate(ALICE.substring(1))).isEmpty();
    assertThat(tokens.authenticate("")).isEmpty();
    assertThat(tokens.authenticate(null)).isEmpty();
  }

  @Test
  @DisplayName("@file: one pair per line, blank lines and # comments skipped")
  void file(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "# team tokens\nalice:" + ALICE + "\n\n  bob:" + BOB + "  \n");
    ClientTokens tokens = ClientTokens.parse("@" + file);
    assertThat(tokens.authenticate(BOB)).contains("bob");
    assertThat(tokens.size()).isEqualTo(2);
  }

  @Test
  @DisplayName("X2 malformed lists stop start-up, and no message ever contains a token")
  void malformed() {
    assertThatThrownBy(() -> ClientTokens.parse("alice" + ALICE)).isInstanceOf(ConfigException.class)
      .hasMessageContaining("entry 1").hasMessageNotContaining(ALICE);
    assertThatThrownBy(() -> ClientTokens.parse("alice:short")).isInstanceOf(ConfigException.class)
      .hasMessageContaining("at least 16").hasMessageNotContaining("short");
    assertThatThrownBy(() -> ClientTokens.parse("alice:" + ALICE + ",alice:" + BOB)).isInstanceOf(ConfigException.class)
      .hasMessageContaining("repeats").hasMessageNotContaining(BOB);
    assertThatThrownBy(() -> ClientTokens.parse("a:" + ALICE + ",b:" + ALICE)).isInstanceOf(ConfigException.class)
      .hasMessageNotContaining(ALICE);
    assertThatThrownBy(() -> ClientTokens.parse("bad name:" + ALICE)).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ClientTokens.parse("@/nonexistent/tokens")).isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ClientTokens.parse(" , ")).isInstanceOf(ConfigException.class);
  }
}
