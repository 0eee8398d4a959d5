package dev.seedstream.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Sanity checks for a parsed catalogue, so that a typo in {@code conf/models.json} stops start-up
 * with a message naming the model and the key instead of letting the gateway enforce nonsense.
 */
final class CatalogCheck {

  private static final Set<String> READABLE_FORMATS = Set.of("png", "jpeg");

  private final List<String> problems = new ArrayList<>();

  static List<String> problems(String defaultModel, Map<String, ModelSpec> models) {
    var check = new CatalogCheck();
    if (models.isEmpty()) {
      check.problems.add("models: the catalogue lists no model");
    } else if (!models.containsKey(defaultModel)) {
      check.problems.add("default_model: \"" + defaultModel + "\" is not one of the models " + models.keySet());
    }
    models.forEach(check::model);
    return check.problems;
  }

  private void model(String id, ModelSpec spec) {
    var where = "model " + id + ": ";
    boolean pixelsSane = range(where, "pixels", spec.pixels(), 1);
    range(where, "max_images", spec.maxImages(), 1);
    boolean ratiosSane = ratios(where, "aspect_ratio", spec.aspectRatio());
    if (pixelsSane && ratiosSane) {
      sizes(where, spec); // against broken ranges every size would be reported, hiding the real mistake
    }
    references(where, spec.referenceImages());
    require(spec.maxTotalImages() >= 1, where + "max_total_images must be at least 1");
    require(!spec.optimizePromptModes().isEmpty(), where + "optimize_prompt_modes must not be empty");
    require(!spec.responseFormats().isEmpty(), where + "response_formats must not be empty");
    require(spec.promptGuidance().maxChineseChars() > 0 && spec.promptGuidance().maxEnglishWords() > 0,
      where + "prompt_guidance limits must be positive");
  }

  private void sizes(String where, ModelSpec spec) {
    require(!spec.sizeClasses().isEmpty(), where + "size_classes must not be empty");
    require(spec.recommendedSizes().keySet().equals(Set.copyOf(spec.sizeClasses())),
      where + "recommended_sizes must have exactly one table per size class " + spec.sizeClasses());
    spec.recommendedSizes().forEach((sizeClass, table) -> {
      require(!table.isEmpty(), where + "recommended_sizes." + sizeClass + " must not be empty");
      table.forEach((ratio, size) -> size(where + "recommended_sizes." + sizeClass + "." + ratio, size, spec));
    });
    size(where + "default_size", spec.defaultSize(), spec);
  }

  private void size(String key, String text, ModelSpec spec) {
    Optional<PixelSize> size = PixelSize.parse(text);
    if (size.isEmpty()) {
      problems.add(key + ": \"" + text + "\" is not WIDTHxHEIGHT");
    } else {
      require(spec.pixels().contains(size.get().pixels()), key + ": " + text + " is outside the model's pixels range");
      require(spec.aspectRatio().admits(size.get().width(), size.get().height()),
        key + ": " + text + " is outside the model's aspect_ratio range");
    }
  }

  private void references(String where, ReferenceImageSpec spec) {
    String key = where + "reference_images.";
    require(spec.maxCount() >= 0, key + "max_count must not be negative");
    require(!spec.formats().isEmpty() && READABLE_FORMATS.containsAll(spec.formats()),
      key + "formats must be a non-empty subset of " + READABLE_FORMATS);
    ratios(where, "reference_images.aspect_ratio", spec.aspectRatio());
    require(spec.minSideExclusive() >= 0, key + "min_side_exclusive must not be negative");
    require(spec.maxBytes() > 0, key + "max_bytes must be positive");
    require(spec.maxPixels() > 0, key + "max_pixels must be positive");
  }

  private boolean range(String where, String key, Bounds bounds, long lowest) {
    return require(bounds.min() >= lowest, where + key + ".min must be at least " + lowest)
      & require(bounds.min() <= bounds.max(), where + key + ".min " + bounds.min() + " is above " + key + ".max " + bounds.max());
  }

  private boolean ratios(String where, String key, RatioRange range) {
    return require(!range.min().isAbove(range.max()),
      where + key + ".min " + range.min() + " is above " + key + ".max " + range.max());
  }

  private boolean require(boolean condition, String problem) {
    if (!condition) {
      problems.add(problem);
    }
    return condition;
  }
}
