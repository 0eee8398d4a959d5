package dev.seedstream.validation;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.Optional;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written reader of WIDTHxHEIGHT accepts exactly what the rule's regular expression does. */
class PixelSizeTest {

  private static final Pattern RULE = Pattern.compile("([1-9][0-9]{0,5})x([1-9][0-9]{0,5})");

  @Property(tries = 3000)
  @Label("parse agrees with ([1-9][0-9]{0,5})x([1-9][0-9]{0,5}) on sizes, near-sizes and noise")
  void agreesWithTheRule(@ForAll("sizes") String text) {
    var matcher = RULE.matcher(text);
    Optional<PixelSize> expected = matcher.matches()
      ? Optional.of(new PixelSize(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))))
      : Optional.empty();
    assertThat(PixelSize.parse(text)).isEqualTo(expected);
  }

  @Provide
  Arbitrary<String> sizes() {
    Arbitrary<String> side = Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(8);
    Arbitrary<String> sep = Arbitraries.of("x", "X", "xx", "*", "", " x");
    Arbitrary<String> shaped = net.jqwik.api.Combinators.combine(side, sep, side).as((w, s, h) -> w + s + h);
    Arbitrary<String> noise = Arbitraries.strings().withChars("0123456789x-+ ١٢").ofMaxLength(14);
    return Arbitraries.oneOf(shaped, noise, Arbitraries.of("2048x2048", "1x1", "999999x999999", "1000000x1", "0x5"));
  }
}
