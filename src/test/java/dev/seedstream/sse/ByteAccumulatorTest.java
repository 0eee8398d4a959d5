package dev.seedstream.sse;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("ByteAccumulator: block-wise growth, exact copy out")
class ByteAccumulatorTest {

  @ParameterizedTest(name = "{0} bytes in pieces of {1}")
  @CsvSource({"0,1", "1,1", "65535,7", "65536,65536", "65537,4096", "200000,1", "1048579,10000", "3000000,65536"})
  void keepsEveryByteInOrder(int total, int piece) {
    byte[] input = new byte[total];
    new Random(total).nextBytes(input);
    ByteAccumulator acc = new ByteAccumulator(total + 3);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int at = 0; at < total; at += piece) {
      int n = Math.min(piece, total - at);
      if (n == 1) {
        acc.append(input[at]);
      } else {
        acc.append(input, at, n);
      }
      expected.write(input, at, n);
    }
    assertThat(acc.size()).isEqualTo(total);
    assertThat(acc.toArray()).isEqualTo(expected.toByteArray());
    acc.clear();
    assertThat(acc.size()).isZero();
    assertThat(acc.toArray()).isEmpty();
    acc.append(new byte[] {1, 2, 3}, 0, 3);
    assertThat(acc.toArray()).containsExactly(1, 2, 3);
  }

  @Test
  @DisplayName("contains looks in every block, and the limit holds")
  void containsAndLimit() {
    ByteAccumulator acc = new ByteAccumulator(200_000);
    acc.append(new byte[150_000], 0, 150_000);
    assertThat(acc.contains((byte) 7)).isFalse();
    acc.append((byte) 7);
    assertThat(acc.contains((byte) 7)).isTrue();
    assertThatThrownBy(() -> acc.append(new byte[50_000], 0, 50_000)).isInstanceOf(IllegalStateException.class);
    assertThat(acc.size()).isEqualTo(150_001);
  }
}
