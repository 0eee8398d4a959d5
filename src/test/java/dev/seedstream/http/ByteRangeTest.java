package dev.seedstream.http;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Range header parsing")
class ByteRangeTest {

  @Test
  @DisplayName("first-last, open-ended and suffix ranges are clamped to the file")
  void singleRanges() {
    assertThat(ByteRange.parse("bytes=0-9", 100)).isEqualTo(new ByteRange(0, 9));
    assertThat(ByteRange.parse("bytes=90-200", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=95-", 100)).isEqualTo(new ByteRange(95, 99));
    assertThat(ByteRange.parse("bytes=-10", 100)).isEqualTo(new ByteRange(90, 99));
    assertThat(ByteRange.parse("bytes=-500", 100)).isEqualTo(new ByteRange(0, 99));
  }

  @Test
  @DisplayName("a range past the end, or an empty suffix, is unsatisfiable")
  void unsatisfiable() {
    assertThat(ByteRange.parse("bytes=100-", 100).satisfiable()).isFalse();
    assertThat(ByteRange.parse("bytes=-0", 100).satisfiable()).isFalse();
  }

  @Test
  @DisplayName("several ranges, other units and malformed headers mean: send the whole file")
  void ignored() {
    assertThat(ByteRange.parse(null, 100)).isNull();
    assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isNull();
    assertThat(ByteRange.parse("items=0-1", 100)).isNull();
    assertThat(ByteRange.parse("bytes=9-1", 100)).isNull();
    assertThat(ByteRange.parse("bytes=a-b", 100)).isNull();
    assertThat(ByteRange.parse("bytes=5", 100)).isNull();
  }
}
