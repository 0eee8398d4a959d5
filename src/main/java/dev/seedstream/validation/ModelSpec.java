package dev.seedstream.validation;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * One model's entry in {@code conf/models.json}: every limit the gateway enforces for it.
 * Component names are the catalogue's keys in camel case.
 */
public record ModelSpec(
  String label,
  List<String> sizeClasses,
  String defaultSize,
  Map<String, Map<String, String>> recommendedSizes,
  Bounds pixels,
  RatioRange aspectRatio,
  ReferenceImageSpec referenceImages,
  Bounds maxImages,
  int maxTotalImages,
  List<String> optimizePromptModes,
  PromptGuidance promptGuidance,
  List<String> responseFormats,
  boolean watermarkDefault) {

  /**
   * The largest image a {@code size} value can produce: an exact size is itself, a size class
   * counts as its largest recommended size (the model picks the shape), no size is the default.
   */
  public PixelSize largestOutput(String size) {
    String effective = size == null ? defaultSize : size;
    if (sizeClasses.contains(effective)) {
      return recommendedSizes.get(effective).values().stream()
        .map(text -> PixelSize.parse(text).orElseThrow())
        .max(Comparator.comparingLong(PixelSize::pixels))
        .orElseThrow();
    }
    return PixelSize.parse(effective).orElseThrow();
  }

  /** The response format the upstream uses when the request names none: the catalogue lists it first. */
  public String defaultResponseFormat() {
    return responseFormats.get(0);
  }
}
