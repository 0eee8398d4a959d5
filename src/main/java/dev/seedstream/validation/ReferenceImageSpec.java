package dev.seedstream.validation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The seed's rules (docs/upstream-protocol.md §2.3) for one reference image: how many, which formats,
 * aspect ratio, sides, file size and total pixels. Field names follow {@code conf/models.json}.
 */
public record ReferenceImageSpec(
  int maxCount,
  List<String> formats,
  RatioRange aspectRatio,
  int minSideExclusive,
  long maxBytes,
  long maxPixels) {

  /** Every rule this image breaks, each as a sentence; empty when it may be sent upstream. */
  public List<String> problems(ImageInfo image, long bytes) {
    List<String> problems = new ArrayList<>();
    if (!formats.contains(image.format())) {
      problems.add("format " + image.format() + " is not accepted; use one of " + formats);
    }
    if (bytes > maxBytes) {
      problems.add("is " + bytes + " bytes, more than the " + maxBytes + " allowed");
    }
    if (image.width() <= minSideExclusive || image.height() <= minSideExclusive) {
      problems.add("is " + image.width() + "x" + image.height() + "; each side must be more than " + minSideExclusive + " px");
    }
    if (!aspectRatio.admits(image.width(), image.height())) {
      problems.add("aspect ratio " + image.width() + "/" + image.height() + " is outside " + aspectRatio.describe());
    }
    if (image.pixels() > maxPixels) {
      problems.add("has " + image.pixels() + " pixels, more than the " + maxPixels + " allowed");
    }
    return problems;
  }

  /**
   * The most permissive combination of several models' rules: what an upload must meet before
   * anyone knows which model it will be used with. The chosen model's rules are checked again later.
   */
  public static ReferenceImageSpec loosest(Collection<ReferenceImageSpec> specs) {
    return specs.stream().reduce(ReferenceImageSpec::widen).orElseThrow();
  }

  private ReferenceImageSpec widen(ReferenceImageSpec other) {
    var allFormats = new LinkedHashSet<>(formats);
    allFormats.addAll(other.formats);
    return new ReferenceImageSpec(
      Math.max(maxCount, other.maxCount),
      List.copyOf(allFormats),
      aspectRatio.widen(other.aspectRatio),
      Math.min(minSideExclusive, other.minSideExclusive),
      Math.max(maxBytes, other.maxBytes),
      Math.max(maxPixels, other.maxPixels));
  }
}
