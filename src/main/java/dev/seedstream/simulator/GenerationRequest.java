package dev.seedstream.simulator;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * A generation request that passed the upstream's checks (docs/upstream-protocol.md §2 and §9).
 * Unknown fields are ignored because Ark ignores them; {@code watermark} and {@code seed} are
 * accepted and have no effect on the simulated images; the reference images are kept as sent.
 */
record GenerationRequest(SeedreamModel model, String prompt, ImageSize size, int imageCount, boolean base64,
                         boolean stream, List<String> references) {

  private static final int MAX_REFERENCES = 14;
  private static final int MAX_IMAGES = 15;
  /** The simulator's own choice for {@code auto} without {@code max_images}: enough to watch a group arrive. */
  private static final int DEFAULT_GROUP_SIZE = 4;
  private static final Set<String> PROMPT_MODES = Set.of("standard", "fast");

  static GenerationRequest parse(Buffer body) {
    JsonObject json = jsonObject(body);
    SeedreamModel model = model(json.getValue("model"));
    String prompt = prompt(json.getValue("prompt"));
    ImageSize size = ImageSize.parse(json.getValue("size"), model);
    checkPromptMode(json.getValue("optimize_prompt_options"), model);
    int imageCount = imageCount(json);
    List<String> references = references(json.getValue("image"));
    checkReferences(references.size(), imageCount);
    boolean base64 = base64(json.getValue("response_format"));
    return new GenerationRequest(model, prompt, size, imageCount, base64, flag(json, "stream"), references);
  }

  private static JsonObject jsonObject(Buffer body) {
    try {
      Object value = body == null || body.length() == 0 ? null : body.toJsonValue();
      if (value instanceof JsonObject json) {
        return json;
      }
    } catch (DecodeException e) {
      // Falls through: Ark answers malformed JSON like any other invalid body.
    }
    throw UpstreamError.of(400, "InvalidParameter", "The request body is not a valid JSON object.", "");
  }

  private static SeedreamModel model(Object model) {
    if (model == null) {
      throw UpstreamError.missingParameter();
    }
    if (!(model instanceof String id)) {
      throw UpstreamError.invalidParameter("model");
    }
    return SeedreamModel.byId(id).orElseThrow(() -> UpstreamError.modelNotFound(id));
  }

  private static String prompt(Object prompt) {
    if (prompt == null) {
      throw UpstreamError.missingParameter();
    }
    if (!(prompt instanceof String text) || text.isBlank()) {
      throw UpstreamError.invalidParameter("prompt");
    }
    return text;
  }

  private static void checkPromptMode(Object options, SeedreamModel model) {
    if (options == null) {
      return;
    }
    Object mode = options instanceof JsonObject json ? json.getValue("mode", "standard") : null;
    if (!PROMPT_MODES.contains(mode)) {
      throw UpstreamError.invalidParameter("optimize_prompt_options.mode");
    }
    if ("fast".equals(mode) && !model.acceptsFastPromptMode()) {
      throw UpstreamError.invalidParameter("optimize_prompt_options.mode",
        "fast is not supported by the current model");
    }
  }

  private static int imageCount(JsonObject json) {
    Object sequential = json.getValue("sequential_image_generation", "disabled");
    if (!"auto".equals(sequential) && !"disabled".equals(sequential)) {
      throw UpstreamError.invalidParameter("sequential_image_generation");
    }
    int maxImages = maxImages(json.getValue("sequential_image_generation_options"));
    return "auto".equals(sequential) ? maxImages : 1;
  }

  private static int maxImages(Object options) {
    if (options == null) {
      return DEFAULT_GROUP_SIZE;
    }
    Object max = options instanceof JsonObject json ? json.getValue("max_images", DEFAULT_GROUP_SIZE) : null;
    if (!isWholeNumberWithin(max, 1, MAX_IMAGES)) {
      throw UpstreamError.invalidParameter("sequential_image_generation_options.max_images",
        "max_images must be between 1 and " + MAX_IMAGES);
    }
    return ((Number) max).intValue();
  }

  private static boolean isWholeNumberWithin(Object value, long min, long max) {
    return (value instanceof Integer || value instanceof Long)
      && ((Number) value).longValue() >= min && ((Number) value).longValue() <= max;
  }

  private static void checkReferences(int references, int imageCount) {
    if (references > MAX_REFERENCES) {
      throw UpstreamError.invalidParameter("image", "at most " + MAX_REFERENCES + " reference images are allowed");
    }
    if (references + imageCount > MAX_IMAGES) {
      throw UpstreamError.invalidParameter("sequential_image_generation_options.max_images",
        "reference images plus generated images must not exceed " + MAX_IMAGES);
    }
  }

  private static List<String> references(Object image) {
    if (image == null) {
      return List.of();
    }
    if (image instanceof String text && !text.isBlank()) {
      return List.of(text);
    }
    if (image instanceof JsonArray list && list.stream().allMatch(i -> i instanceof String s && !s.isBlank())) {
      return list.stream().map(String.class::cast).toList();
    }
    throw UpstreamError.invalidParameter("image");
  }

  private static boolean base64(Object format) {
    if (format == null || "url".equals(format)) {
      return false;
    }
    if ("b64_json".equals(format)) {
      return true;
    }
    throw UpstreamError.invalidParameter("response_format");
  }

  private static boolean flag(JsonObject json, String name) {
    Object value = json.getValue(name, false);
    if (!(value instanceof Boolean flag)) {
      throw UpstreamError.invalidParameter(name);
    }
    return flag;
  }
}
