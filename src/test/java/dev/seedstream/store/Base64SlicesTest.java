package dev.seedstream.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Base64 decoded a slice at a time")
class Base64SlicesTest {

  @Test
  @DisplayName("slices of whole groups decode to the JDK's bytes, with either padding at the end; anything else is refused")
  void matchesTheJdk() {
    for (int length : new int[] {0, 1, 2, 3, 4, 5, 100, 65_536, 200_001}) {
      byte[] data = new byte[length];
      new Random(length).nextBytes(data);
      byte[] text = Base64.getEncoder().encode(data);
      byte[] out = new byte[3 * 1024];
      byte[] decoded = new byte[0];
      for (int from = 0; from < text.length; from += 4096) {
        int n = Base64Slices.decode(text, from, Math.min(text.length, from + 4096), from + 4096 >= text.length, out);
        assertThat(n).as("length %d at %d", length, from).isNotNegative();
        decoded = concat(decoded, Arrays.copyOf(out, n));
      }
      assertThat(decoded).as("length %d", length).isEqualTo(data);
    }
    byte[] out = new byte[16];
    assertThat(Base64Slices.decode("QUJD!A==".getBytes(StandardCharsets.US_ASCII), 0, 8, true, out)).isEqualTo(-1);
    assertThat(Base64Slices.decode("QQ==QUJD".getBytes(StandardCharsets.US_ASCII), 0, 8, true, out)).isEqualTo(-1);
    assertThat(Base64Slices.decode("QUJ".getBytes(StandardCharsets.US_ASCII), 0, 3, true, out)).isEqualTo(-1);
    // Padding is only for the text's last group, not for the last group of a slice in the middle of it.
    assertThat(Base64Slices.decode("QQ==".getBytes(StandardCharsets.US_ASCII), 0, 4, false, out)).isEqualTo(-1);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
