package dev.seedstream.validation;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;

import static dev.seedstream.validation.TestImages.concat;
import static dev.seedstream.validation.TestImages.jpeg;
import static dev.seedstream.validation.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The header reader faces untrusted bytes: whatever they are, it answers with an {@link ImageInfo}
 * or an {@link ImageHeaderException} (never another exception) and allocates nothing in
 * proportion to them.
 */
class ImageHeaderReaderPropertiesTest {

  // Room for the exception and its message; nothing that grows with the input.
  private static final long SMALL_CONSTANT = 1024;

  private static final com.sun.management.ThreadMXBean THREADS =
    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  @Property
  void randomBytesGiveAnInfoOrAHeaderException(@ForAll @Size(max = 300) byte[] bytes) {
    assertReadsOrRefuses(bytes);
  }

  @Property
  void randomBytesAfterASignatureGiveAnInfoOrAHeaderException(@ForAll("afterSignature") byte[] bytes) {
    assertReadsOrRefuses(bytes);
  }

  @Property
  void mutatedAndTruncatedHeadersGiveAnInfoOrAHeaderException(@ForAll("mutatedHeaders") byte[] bytes) {
    assertReadsOrRefuses(bytes);
  }

  @Property(tries = 500)
  void allocatesNoMoreThanTheInputPlusASmallConstant(@ForAll("anyInput") byte[] bytes) {
    assertThat(THREADS.isThreadAllocatedMemoryEnabled()).isTrue();
    readQuietly(bytes); // first use may load classes or link string concatenation
    long before = THREADS.getCurrentThreadAllocatedBytes();
    readQuietly(bytes);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).isLessThanOrEqualTo(bytes.length + SMALL_CONSTANT);
  }

  @Example
  void aFourMegabyteJpegHeaderIsReadWithoutProportionalAllocation() {
    byte[] bigSegments = new byte[65_533];
    byte[] image = concat(TestImages.bytes(0xFF, 0xD8), repeat(TestImages.segment(0xE1, bigSegments), 64),
      TestImages.sof(0xC0, 4000, 3000));
    readQuietly(image);
    long before = THREADS.getCurrentThreadAllocatedBytes();
    ImageInfo info = ImageHeaderReader.read(image);
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    assertThat(info).isEqualTo(new ImageInfo("jpeg", 4000, 3000));
    assertThat(image.length).isGreaterThan(4_000_000);
    assertThat(allocated).isLessThanOrEqualTo(SMALL_CONSTANT);
  }

  @Provide
  Arbitrary<byte[]> afterSignature() {
    Arbitrary<byte[]> prefix = Arbitraries.of(
      png(1, 1), Arrays.copyOf(png(1, 1), 16), TestImages.bytes(0xFF, 0xD8), TestImages.bytes(0xFF, 0xD8, 0xFF));
    Arbitrary<byte[]> tail = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    return Combinators.combine(prefix, tail).as(TestImages::concat);
  }

  @Provide
  Arbitrary<byte[]> mutatedHeaders() {
    Arbitrary<byte[]> valid = Combinators.combine(
      Arbitraries.of("png", "jpeg", "real-png", "real-jpeg"),
      Arbitraries.integers().between(0, 65535),
      Arbitraries.integers().between(0, 65535))
      .as(ImageHeaderReaderPropertiesTest::image);
    Arbitrary<List<Integer>> positions = Arbitraries.integers().between(0, 700).list().ofMaxSize(6);
    Arbitrary<List<Byte>> values = Arbitraries.bytes().list().ofSize(6);
    Arbitrary<Integer> cut = Arbitraries.integers().between(0, 800);
    return Combinators.combine(valid, positions, values, cut).as(ImageHeaderReaderPropertiesTest::mutate);
  }

  @Provide
  Arbitrary<byte[]> anyInput() {
    return Arbitraries.oneOf(
      Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
      afterSignature(),
      mutatedHeaders(),
      Arbitraries.integers().between(33, 2_000_000).map(size -> TestImages.padded(png(640, 480), size)));
  }

  private static byte[] image(String kind, int width, int height) {
    return switch (kind) {
      case "png" -> png(width, height);
      case "jpeg" -> jpeg(width, height);
      // Real files are small to keep the run fast; their headers have more segments than ours.
      case "real-png" -> TestImages.real("png", 1 + width % 40, 1 + height % 40);
      default -> TestImages.real("jpg", 1 + width % 40, 1 + height % 40);
    };
  }

  private static byte[] mutate(byte[] image, List<Integer> positions, List<Byte> values, int cut) {
    byte[] mutated = image.clone();
    for (int i = 0; i < positions.size(); i++) {
      mutated[positions.get(i) % mutated.length] = values.get(i);
    }
    return cut < mutated.length ? Arrays.copyOf(mutated, cut) : mutated;
  }

  private static void assertReadsOrRefuses(byte[] bytes) {
    try {
      ImageInfo info = ImageHeaderReader.read(bytes);
      assertThat(info.format()).isIn("png", "jpeg");
      assertThat(info.width()).isPositive();
      assertThat(info.height()).isPositive();
    } catch (ImageHeaderException e) {
      assertThat(e.getMessage()).matches("(truncated header|corrupt header|not a PNG or JPEG|zero dimension).*");
    }
  }

  private static void readQuietly(byte[] bytes) {
    try {
      ImageHeaderReader.read(bytes);
    } catch (ImageHeaderException e) {
      // refusing is as good as reading here; only the allocation is measured
    }
  }

  private static byte[] repeat(byte[] part, int times) {
    byte[][] parts = new byte[times][];
    Arrays.fill(parts, part);
    return concat(parts);
  }
}
