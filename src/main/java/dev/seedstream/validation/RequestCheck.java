package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Optional;
import java.util.Set;

/**
 * One run of {@link RequestValidator} over one request body. Each field has its own step; every
 * step records its violations and carries on, so that the client learns about all of them at once.
 * Steps that depend on the model are skipped when the model itself is missing or unknown.
 */
final class RequestCheck {

  private static final String GROUP = "sequential_image_generation";
  private static final String GROUP_OPTIONS = "sequential_image_generation_options";
  private static final String PROMPT_OPTIONS = "optimize_prompt_options";
  private static final Set<String> TOP_LEVEL = Set.of("model", "prompt", "image", "size", GROUP, GROUP_OPTIONS,
    "stream", "response_format", "watermark", PROMPT_OPTIONS);
  private static final Set<String> GROUP_MODES = Set.of("auto", "disabled");

  private final ModelCatalog catalog;
  private final ReferenceImageIntake intake;
  private final int maxPromptChars;
  private final Findings findings = new Findings();
  private final JsonFields fields;
  private final JsonObject upstream = new JsonObject();
  private Optional<ModelSpec> spec = Optional.empty();
  private String modelId;
  private String size;
  private String responseFormat;
  private int referenceCount;
  private int requestedImages = 1;

  RequestCheck(ModelCatalog catalog, ReferenceImageIntake intake, int maxPromptChars, JsonObject body) {
    this.catalog = catalog;
    this.intake = intake;
    this.maxPromptChars = maxPromptChars;
    this.fields = new JsonFields(body, "", findings);
  }

  ValidatedRequest run() {
    fields.rejectUnknown(TOP_LEVEL);
    model();
    prompt();
    images();
    size();
    group();
    stream();
    responseFormat();
    fields.bool("watermark").ifPresent(watermark -> upstream.put("watermark", watermark));
    promptOptions();
    if (findings.hasViolations()) {
      throw ApiException.invalid(findings.violations());
    }
    Estimate estimate = Estimate.of(spec.orElseThrow(), size, requestedImages);
    return new ValidatedRequest(modelId, upstream, requestedImages, responseFormat, findings.warnings(), estimate,
      catalog.price(modelId).orElse(null));
  }

  private void model() {
    if (!fields.has("model")) {
      findings.violation("model", "is required; one of " + catalog.models().keySet());
    }
    fields.string("model").ifPresent(id -> {
      spec = catalog.find(id);
      if (spec.isEmpty()) {
        findings.violation("model", "unknown model \"" + id + "\"; use one of " + catalog.models().keySet());
      }
      modelId = id;
      upstream.put("model", id);
    });
  }

  private void prompt() {
    if (!fields.has("prompt")) {
      findings.violation("prompt", "is required");
    }
    fields.string("prompt").ifPresent(prompt -> {
      if (prompt.isBlank()) {
        findings.violation("prompt", "must not be blank");
      }
      if (prompt.length() > maxPromptChars) {
        // The guidance below only warns; this is the hard cap that keeps one prompt from filling the history.
        findings.violation("prompt", "is " + prompt.length() + " characters; at most " + maxPromptChars
          + " are accepted (SEEDSTREAM_MAX_PROMPT_CHARS), and the model works best under 300 Chinese characters or 600 English words");
        return;
      }
      spec.ifPresent(model -> model.promptGuidance().advice(prompt).forEach(findings::warning));
      upstream.put("prompt", prompt);
    });
  }

  private void images() {
    if (!fields.has("image")) {
      return;
    }
    ReferenceImageSpec rules = spec.map(ModelSpec::referenceImages).orElseGet(catalog::uploadRules);
    Object value = fields.raw("image");
    if (value instanceof String entry) {
      referenceCount = 1;
      intake.accept(entry, "image", rules, findings).ifPresent(accepted -> upstream.put("image", accepted));
    } else if (value instanceof JsonArray list) {
      imageList(list, rules);
    } else {
      findings.violation("image", "must be a string or an array of strings, not " + JsonFields.describe(value));
    }
  }

  private void imageList(JsonArray list, ReferenceImageSpec rules) {
    referenceCount = list.size();
    if (list.size() > rules.maxCount()) {
      findings.violation("image", "at most " + rules.maxCount() + " reference images are accepted, got " + list.size());
    }
    var accepted = new JsonArray();
    for (int i = 0; i < list.size(); i++) {
      String field = "image[" + i + "]";
      if (list.getValue(i) instanceof String entry) {
        intake.accept(entry, field, rules, findings).ifPresent(accepted::add);
      } else {
        findings.violation(field, "must be a string, not " + JsonFields.describe(list.getValue(i)));
      }
    }
    // An empty list means "no reference images"; the upstream is not sent an empty array.
    if (!accepted.isEmpty()) {
      upstream.put("image", accepted);
    }
  }

  private void size() {
    fields.string("size").ifPresent(value -> {
      size = value;
      spec.ifPresent(model -> checkSize(model, value));
      upstream.put("size", value);
    });
  }

  private void checkSize(ModelSpec model, String value) {
    if (model.sizeClasses().contains(value)) {
      return;
    }
    Optional<PixelSize> exact = PixelSize.parse(value);
    if (exact.isEmpty()) {
      findings.violation("size", "must be one of " + model.sizeClasses() + " or WIDTHxHEIGHT such as " + model.defaultSize()
        + ", not \"" + value + "\"");
      return;
    }
    PixelSize pixels = exact.get();
    if (!model.pixels().contains(pixels.pixels())) {
      findings.violation("size", pixels + " has " + pixels.pixels() + " pixels; " + modelId + " accepts "
        + model.pixels().describe() + " total pixels");
    }
    if (!model.aspectRatio().admits(pixels.width(), pixels.height())) {
      findings.violation("size", pixels + " has aspect ratio " + pixels.width() + "/" + pixels.height() + "; "
        + modelId + " accepts " + model.aspectRatio().describe());
    }
  }

  private void group() {
    Optional<String> mode = fields.string(GROUP);
    mode.filter(value -> !GROUP_MODES.contains(value))
      .ifPresent(value -> findings.violation(GROUP, "must be \"auto\" or \"disabled\", not \"" + value + "\""));
    mode.filter(GROUP_MODES::contains).ifPresent(value -> upstream.put(GROUP, value));
    Optional<Long> maxImages = groupOptions();
    if (mode.filter("auto"::equals).isPresent()) {
      spec.ifPresent(model -> groupSize(model, maxImages));
    } else if (fields.has(GROUP_OPTIONS)) {
      findings.warning(GROUP_OPTIONS + " only applies when " + GROUP + " is \"auto\"; it was ignored and not sent upstream");
    }
  }

  /** The requested {@code max_images} when it is present and in range; violations otherwise. */
  private Optional<Long> groupOptions() {
    Optional<JsonObject> options = fields.object(GROUP_OPTIONS);
    if (options.isEmpty()) {
      return Optional.empty();
    }
    var inner = new JsonFields(options.get(), GROUP_OPTIONS + ".", findings);
    inner.rejectUnknown(Set.of("max_images"));
    Optional<Long> maxImages = inner.integer("max_images");
    spec.ifPresent(model -> maxImages.filter(n -> !model.maxImages().contains(n)).ifPresent(n ->
      findings.violation(inner.path("max_images"), "must be in " + model.maxImages().describe() + ", not " + n)));
    return maxImages.filter(n -> spec.isPresent() && spec.get().maxImages().contains(n));
  }

  private void groupSize(ModelSpec model, Optional<Long> maxImages) {
    long allowed = model.maxTotalImages() - referenceCount;
    if (maxImages.isPresent()) {
      requestedImages = maxImages.get().intValue();
      if (requestedImages > allowed) {
        findings.violation(GROUP_OPTIONS + ".max_images", referenceCount + " reference images + " + requestedImages
          + " images is more than " + model.maxTotalImages() + "; ask for at most " + allowed);
      }
    } else {
      requestedImages = (int) Math.max(model.maxImages().min(), Math.min(model.maxImages().max(), allowed));
      findings.warning(GROUP + " is \"auto\" without max_images; the upstream would default to "
        + model.maxImages().max() + ", so the gateway asks for at most " + requestedImages + " (reference images + "
        + "generated images may not exceed " + model.maxTotalImages() + ")");
    }
    upstream.put(GROUP_OPTIONS, new JsonObject().put("max_images", requestedImages));
  }

  private void stream() {
    fields.bool("stream");
    // Seedstream relays each image as it is finished, so it always asks the upstream to stream.
    upstream.put("stream", true);
  }

  private void responseFormat() {
    Optional<String> format = fields.string("response_format");
    spec.ifPresent(model -> format.filter(value -> !model.responseFormats().contains(value)).ifPresent(value ->
      findings.violation("response_format", "must be one of " + model.responseFormats() + ", not \"" + value + "\"")));
    format.ifPresent(value -> upstream.put("response_format", value));
    responseFormat = format.orElseGet(() -> spec.map(ModelSpec::defaultResponseFormat).orElse(null));
  }

  private void promptOptions() {
    fields.object(PROMPT_OPTIONS).ifPresent(options -> {
      var inner = new JsonFields(options, PROMPT_OPTIONS + ".", findings);
      inner.rejectUnknown(Set.of("mode"));
      inner.string("mode").ifPresent(mode -> {
        spec.filter(model -> !model.optimizePromptModes().contains(mode)).ifPresent(model ->
          findings.violation(inner.path("mode"), "\"" + mode + "\" is not available on " + modelId + "; use one of "
            + model.optimizePromptModes()));
        upstream.put(PROMPT_OPTIONS, new JsonObject().put("mode", mode));
      });
    });
  }
}
