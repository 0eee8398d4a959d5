package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.seedstream.validation.TestImages.dataUri;
import static dev.seedstream.validation.TestImages.jpeg;
import static dev.seedstream.validation.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RequestValidatorTest {

  private static final String V45 = "doubao-seedream-4-5-251128";
  private static final String V40 = "doubao-seedream-4-0-250828";
  private static final String GROUP = "sequential_image_generation";
  private static final String GROUP_OPTIONS = "sequential_image_generation_options";
  private static final String MAX_IMAGES = GROUP_OPTIONS + ".max_images";
  private static final String URL = "https://ark-project.tos-cn-beijing.volces.com/doc_image/seedream4_imagesToimage_1.png";
  private static final Duration TTL = Duration.ofMinutes(10);

  private final MutableClock clock = new MutableClock();
  private final UploadStore uploads = new UploadStore(TTL, 64L << 20, 64L << 20, clock);
  private final RequestValidator validator = new RequestValidator(ModelCatalog.load(Path.of("conf/models.json")), uploads, 4000);

  // ---- one case per seed rule: the rule's name, a request breaking it, the field and what the message says

  static Stream<Arguments> rejected() {
    return Stream.of(
      arguments("model is required", new JsonObject().put("prompt", "a cat"), "model", "is required"),
      arguments("model must be in the catalogue", body("doubao-seedream-3-0-t2i"), "model", "unknown model"),
      arguments("prompt is required", new JsonObject().put("model", V45), "prompt", "is required"),
      arguments("prompt must not be blank", body(V45).put("prompt", " \n\t"), "prompt", "must not be blank"),
      arguments("seed example: 1500x1500 is invalid on 4.5", sized(V45, "1500x1500"), "size", "2250000 pixels"),
      arguments("seed example: 800x800 is invalid on 4.0", sized(V40, "800x800"), "size", "640000 pixels"),
      arguments("4.5 pixels: min - 1 is refused", sized(V45, "1919x1921"), "size", "3686399 pixels"),
      arguments("4.5 pixels: the smallest size above max is refused", sized(V45, "1549x10831"), "size", "16777219 pixels"),
      arguments("4.0 pixels: min - 1 is refused", sized(V40, "959x961"), "size", "921599 pixels"),
      arguments("4.0 pixels: the smallest size above max is refused", sized(V40, "1549x10831"), "size", "16777219 pixels"),
      arguments("4.5 ratio: just above 16 is refused", sized(V45, "7681x480"), "size", "aspect ratio 7681/480"),
      arguments("4.5 ratio: just below 1/16 is refused", sized(V45, "480x7681"), "size", "aspect ratio 480/7681"),
      arguments("4.0 ratio: just above 16 is refused", sized(V40, "3841x240"), "size", "aspect ratio 3841/240"),
      arguments("4.0 ratio: just below 1/16 is refused", sized(V40, "240x3841"), "size", "aspect ratio 240/3841"),
      arguments("size class must be the model's (case matters)", sized(V45, "4k"), "size", "must be one of [2K, 4K]"),
      arguments("size class 1K is only 4.0's", sized(V45, "1K"), "size", "must be one of [2K, 4K]"),
      arguments("WxH uses a lower-case x", sized(V45, "2048X2048"), "size", "WIDTHxHEIGHT"),
      arguments("WxH has no leading zeros", sized(V45, "02048x2048"), "size", "WIDTHxHEIGHT"),
      arguments("WxH has no spaces", sized(V45, "2048 x 2048"), "size", "WIDTHxHEIGHT"),
      arguments("at most 10 reference images (11)", withImages(V45, urls(11)), "image", "at most 10 reference images"),
      arguments("group mode is auto or disabled", body(V45).put(GROUP, "enabled"), GROUP, "must be \"auto\" or \"disabled\""),
      arguments("max_images is at least 1", group(V45, 0), MAX_IMAGES, "must be in [1, 15]"),
      arguments("max_images is at most 15", group(V45, 16), MAX_IMAGES, "must be in [1, 15]"),
      arguments("references + max_images <= 15 (5 + 11)", group(V45, 11).put("image", urls(5)), MAX_IMAGES,
        "5 reference images + 11 images is more than 15"),
      arguments("references + max_images <= 15 (10 + 6)", group(V40, 6).put("image", urls(10)), MAX_IMAGES,
        "ask for at most 5"),
      arguments("fast prompt optimisation is not on 4.5", optimized(V45, "fast"), "optimize_prompt_options.mode",
        "\"fast\" is not available on doubao-seedream-4-5-251128"),
      arguments("prompt optimisation mode must be known", optimized(V40, "turbo"), "optimize_prompt_options.mode", "use one of"),
      arguments("response_format is url or b64_json", body(V45).put("response_format", "png"), "response_format", "must be one of"),
      arguments("reference URL scheme is http(s)", withImages(V45, new JsonArray().add("ftp://example.com/a.png")), "image[0]",
        "only http and https"),
      arguments("reference URL may not be loopback", withImages(V45, new JsonArray().add("http://2130706433/a.png")), "image[0]",
        "loopback"),
      arguments("reference URL may not be metadata", withImages(V45, new JsonArray().add("http://169.254.169.254/")), "image[0]",
        "cloud metadata"),
      arguments("reference formats are png and jpeg", withImages(V45, new JsonArray().add(dataUri("image/gif", png(20, 20)))),
        "image[0]", "image/gif is not accepted"),
      arguments("data URIs are base64", withImages(V45, new JsonArray().add("data:image/png," + "x".repeat(8))), "image[0]",
        "data:image/png;base64"),
      arguments("base64 is decoded strictly", withImages(V45, new JsonArray().add("data:image/png;base64,iVBO\nRw0K")),
        "image[0]", "base64 data is not valid"),
      arguments("base64 is padded", withImages(V45, new JsonArray().add("data:image/png;base64,iVBORw0")), "image[0]",
        "multiple of 4"),
      arguments("data URI content must be an image", withImages(V45, new JsonArray().add(dataUri("image/png", "hello".getBytes()))),
        "image[0]", "not a PNG or JPEG"),
      arguments("declared type must match the content", withImages(V45, new JsonArray().add(dataUri("image/png", jpeg(100, 100)))),
        "image[0]", "declared as image/png but the data is a jpeg image"),
      arguments("reference sides > 14 px", withImages(V45, new JsonArray().add(dataUri("image/png", png(14, 20)))), "image[0]",
        "each side must be more than 14 px"),
      arguments("reference ratio <= 3", withImages(V45, new JsonArray().add(dataUri("image/jpeg", jpeg(301, 100)))), "image[0]",
        "aspect ratio 301/100 is outside [1/3, 3/1]"),
      arguments("reference pixels <= 6000x6000", withImages(V45, new JsonArray().add(dataUri("image/png", png(6000, 6001)))),
        "image[0]", "36006000 pixels"),
      arguments("unknown upload id", withImages(V45, new JsonArray().add("upload:nope")), "image[0]", "unknown or has expired"),
      arguments("unknown top-level field", body(V45).put("negative_prompt", "blurry"), "negative_prompt", "unknown field"),
      arguments("unknown top-level field (3.0-only seed)", body(V45).put("seed", 42), "seed", "unknown field"),
      arguments("unknown group option", body(V45).put(GROUP, "auto").put(GROUP_OPTIONS, new JsonObject().put("max_image", 3)),
        GROUP_OPTIONS + ".max_image", "unknown field"),
      arguments("unknown prompt option", body(V40).put("optimize_prompt_options", new JsonObject().put("thinking", "on")),
        "optimize_prompt_options.thinking", "unknown field"),
      arguments("model is a string", body(V45).put("model", 45), "model", "must be a string, not the number 45"),
      arguments("prompt is a string", body(V45).put("prompt", new JsonArray().add("a cat")), "prompt", "must be a string, not an array"),
      arguments("size is a string", body(V45).put("size", 2048), "size", "must be a string"),
      arguments("size is not null", body(V45).putNull("size"), "size", "must be a string, not null"),
      arguments("watermark is a boolean", body(V45).put("watermark", "false"), "watermark", "must be a boolean"),
      arguments("stream is a boolean", body(V45).put("stream", 1), "stream", "must be a boolean"),
      arguments("group mode is a string", body(V45).put(GROUP, true), GROUP, "must be a string"),
      arguments("group options are an object", body(V45).put(GROUP, "auto").put(GROUP_OPTIONS, 3), GROUP_OPTIONS,
        "must be a JSON object"),
      arguments("max_images is an integer, not 3.0", group(V45, 0).put(GROUP_OPTIONS, new JsonObject().put("max_images", 3.0)),
        MAX_IMAGES, "must be an integer, not the number 3.0"),
      arguments("max_images is an integer, not \"3\"", group(V45, 0).put(GROUP_OPTIONS, new JsonObject().put("max_images", "3")),
        MAX_IMAGES, "must be an integer, not a string"),
      arguments("prompt options are an object", body(V40).put("optimize_prompt_options", "fast"), "optimize_prompt_options",
        "must be a JSON object"),
      arguments("prompt option mode is a string", optimized(V40, null).put("optimize_prompt_options", new JsonObject().put("mode", 1)),
        "optimize_prompt_options.mode", "must be a string"),
      arguments("response_format is a string", body(V45).put("response_format", true), "response_format", "must be a string"),
      arguments("image is a string or an array", body(V45).put("image", 42), "image", "must be a string or an array of strings"),
      arguments("image entries are strings", withImages(V45, new JsonArray().add(URL).add(7)), "image[1]", "must be a string"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejectsABrokenRule(String rule, JsonObject body, String field, String message) {
    ApiException error = rejection(body);
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.code()).isEqualTo("invalid_request");
    assertThat(error.violations()).singleElement().satisfies(violation -> {
      assertThat(violation.field()).isEqualTo(field);
      assertThat(violation.message()).contains(message);
    });
  }

  static Stream<Arguments> accepted() {
    return Stream.of(
      arguments("the seed's own example request", withImages(V45, urls(2)).put("size", "4K")),
      arguments("seed example: 3750x1250 is valid on 4.5", sized(V45, "3750x1250")),
      arguments("seed example: 1600x600 is valid on 4.0", sized(V40, "1600x600")),
      arguments("4.5 pixels: exactly min", sized(V45, "2560x1440")),
      arguments("4.5 pixels: exactly max", sized(V45, "4096x4096")),
      arguments("4.0 pixels: exactly min", sized(V40, "1280x720")),
      arguments("4.0 pixels: exactly max", sized(V40, "4096x4096")),
      arguments("4.5 ratio: exactly 16", sized(V45, "7680x480")),
      arguments("4.5 ratio: exactly 1/16", sized(V45, "480x7680")),
      arguments("4.0 ratio: exactly 16", sized(V40, "3840x240")),
      arguments("4.0 ratio: exactly 1/16", sized(V40, "240x3840")),
      arguments("size classes 2K and 4K", sized(V40, "2K")),
      arguments("size class 1K on 4.0, which the upstream accepts", sized(V40, "1K")),
      arguments("4.0 1K 16:9 sits exactly on the pixel minimum", sized(V40, "1280x720")),
      arguments("exactly 10 reference images", withImages(V45, urls(10))),
      arguments("one reference image as a plain string", body(V45).put("image", URL)),
      arguments("no reference images as an empty array", withImages(V45, new JsonArray())),
      arguments("max_images 1", group(V45, 1)),
      arguments("max_images 15 without references", group(V45, 15)),
      arguments("references + max_images = 15 (5 + 10)", group(V45, 10).put("image", urls(5))),
      arguments("references + max_images = 15 (10 + 5)", group(V40, 5).put("image", urls(10))),
      arguments("fast prompt optimisation on 4.0", optimized(V40, "fast")),
      arguments("standard prompt optimisation on 4.5", optimized(V45, "standard")),
      arguments("response_format b64_json, watermark off, stream false", body(V45).put("response_format", "b64_json")
        .put("watermark", false).put("stream", false)),
      arguments("group mode disabled", body(V45).put(GROUP, "disabled")),
      arguments("reference images of 15x15, ratio 3 and 1/3, 6000x6000", withImages(V45, new JsonArray()
        .add(dataUri("image/png", png(15, 15))).add(dataUri("image/jpeg", jpeg(300, 100))).add(dataUri("image/png", png(100, 300)))
        .add(dataUri("image/png", png(6000, 6000))))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("accepted")
  void acceptsAValidRequest(String rule, JsonObject body) {
    ValidatedRequest request = validator.validate(body);
    assertThat(request.model()).isEqualTo(body.getString("model"));
  }

  @Test
  @DisplayName("several violations at once are all listed, each with its path")
  void listsEveryViolation() {
    JsonObject body = body(V45)
      .put("size", "1500x1500")
      .put("image", urls(3).add("file:///etc/passwd").add(dataUri("image/png", png(14, 14))))
      .put(GROUP, "auto").put(GROUP_OPTIONS, new JsonObject().put("max_images", 11))
      .put("optimize_prompt_options", new JsonObject().put("mode", "fast"))
      .put("watermark", "no")
      .put("negative_prompt", "x");
    assertThat(rejection(body).violations()).extracting(Violation::field).containsExactly(
      "negative_prompt", "image[3]", "image[4]", "size", MAX_IMAGES, "watermark", "optimize_prompt_options.mode");
  }

  @Test
  @DisplayName("a too small, too flat size gets both violations")
  void namesBothSizeRanges() {
    assertThat(rejection(sized(V40, "3841x200")).violations())
      .extracting(Violation::field, v -> v.message().contains("pixels") ? "pixels" : "ratio")
      .containsExactly(tuple("size", "pixels"), tuple("size", "ratio"));
  }

  @Test
  @DisplayName("the ApiException JSON carries every violation")
  void errorJsonListsViolations() {
    JsonObject json = rejection(body(V45).put("size", "1x1").put("n", 2)).toJson();
    assertThat(json.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
    assertThat(json.getJsonObject("error").getJsonArray("violations")).hasSize(2);
  }

  // ---- warnings

  @Test
  @DisplayName("group options with group mode off are accepted with a warning and not sent upstream")
  void groupOptionsWithoutGroupModeWarn() {
    for (JsonObject body : new JsonObject[] {
      body(V45).put(GROUP, "disabled").put(GROUP_OPTIONS, new JsonObject().put("max_images", 4)),
      body(V45).put(GROUP_OPTIONS, new JsonObject().put("max_images", 4))}) {
      ValidatedRequest request = validator.validate(body);
      assertThat(request.warnings()).singleElement().asString().contains("only applies when sequential_image_generation is \"auto\"");
      assertThat(request.upstreamBody().containsKey(GROUP_OPTIONS)).isFalse();
      assertThat(request.requestedImages()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("auto group mode without max_images asks for 15 - references and says so")
  void fillsInMaxImages() {
    ValidatedRequest request = validator.validate(body(V45).put(GROUP, "auto").put("image", urls(3)));
    assertThat(request.upstreamBody().getJsonObject(GROUP_OPTIONS)).isEqualTo(new JsonObject().put("max_images", 12));
    assertThat(request.requestedImages()).isEqualTo(12);
    assertThat(request.warnings()).singleElement().asString().contains("asks for at most 12");
    assertThat(validator.validate(body(V45).put(GROUP, "auto")).requestedImages()).isEqualTo(15);
  }

  @Test
  @DisplayName("an explicit max_images in auto mode is sent as given, without warning")
  void keepsExplicitMaxImages() {
    ValidatedRequest request = validator.validate(group(V45, 4));
    assertThat(request.upstreamBody().getJsonObject(GROUP_OPTIONS).getInteger("max_images")).isEqualTo(4);
    assertThat(request.requestedImages()).isEqualTo(4);
    assertThat(request.warnings()).isEmpty();
  }

  @Test
  @DisplayName("prompts over 300 Chinese characters or 600 English words warn but pass")
  void warnsAboutLongPrompts() {
    assertThat(warningsFor("图".repeat(300))).isEmpty();
    assertThat(warningsFor("图".repeat(301))).singleElement().asString().contains("301 Chinese characters");
    assertThat(warningsFor("word ".repeat(600))).isEmpty();
    assertThat(warningsFor("don't ".repeat(601))).singleElement().asString().contains("601 English words");
  }

  // ---- normalisation

  @Test
  @DisplayName("the upstream body has only known fields, stream forced true, in upstream order")
  void normalisesTheUpstreamBody() {
    JsonObject body = body(V40).put("watermark", false).put("stream", false).put("size", "2K")
      .put("optimize_prompt_options", new JsonObject().put("mode", "fast")).put("image", URL);
    ValidatedRequest request = validator.validate(body);
    assertThat(request.upstreamBody()).isEqualTo(new JsonObject()
      .put("model", V40).put("prompt", "a cat").put("image", URL).put("size", "2K").put("stream", true)
      .put("watermark", false).put("optimize_prompt_options", new JsonObject().put("mode", "fast")));
    assertThat(request.upstreamBody().fieldNames()).containsExactly(
      "model", "prompt", "image", "size", "stream", "watermark", "optimize_prompt_options");
    assertThat(validator.validate(body(V45)).upstreamBody().getBoolean("stream")).isTrue();
  }

  @Test
  @DisplayName("data URI media types are lower-cased and image/jpg becomes image/jpeg")
  void lowerCasesDataUris() {
    String pngBase64 = Base64.getEncoder().encodeToString(png(100, 100));
    String jpegBase64 = Base64.getEncoder().encodeToString(jpeg(100, 100));
    JsonObject body = withImages(V45, new JsonArray()
      .add("DATA:IMAGE/PNG;BASE64," + pngBase64).add("data:Image/JPG;base64," + jpegBase64));
    assertThat(validator.validate(body).upstreamBody().getJsonArray("image")).containsExactly(
      "data:image/png;base64," + pngBase64, "data:image/jpeg;base64," + jpegBase64);
  }

  @Test
  @DisplayName("upload:<id> is inlined as a data URI of the stored bytes")
  void inlinesUploads() {
    byte[] content = TestImages.real("png", 64, 48);
    Upload upload = uploads.put("client", content, ImageHeaderReader.read(content));
    JsonObject body = withImages(V45, new JsonArray().add(URL).add("upload:" + upload.id()));
    assertThat(validator.validate(body).upstreamBody().getJsonArray("image")).containsExactly(
      URL, "data:image/png;base64," + Base64.getEncoder().encodeToString(content));
  }

  @Test
  @DisplayName("an upload is checked against the chosen model's rules and refused once expired")
  void refusesExpiredUploads() {
    byte[] content = png(20, 20);
    Upload upload = uploads.put("client", content, ImageHeaderReader.read(content));
    JsonObject body = withImages(V40, new JsonArray().add("upload:" + upload.id()));
    assertThat(validator.validate(body).upstreamBody().getJsonArray("image")).hasSize(1);
    clock.advance(TTL);
    assertThat(rejection(body).violations()).singleElement()
      .satisfies(v -> assertThat(v.message()).contains("unknown or has expired"));
  }

  @Test
  @DisplayName("response format and requested images are reported for the relay")
  void reportsResponseFormatAndImageCount() {
    ValidatedRequest plain = validator.validate(body(V45));
    assertThat(plain.responseFormat()).isEqualTo("url");
    assertThat(plain.requestedImages()).isEqualTo(1);
    assertThat(validator.validate(body(V45).put("response_format", "b64_json")).responseFormat()).isEqualTo("b64_json");
  }

  // ---- estimate

  static Stream<Arguments> estimates() {
    return Stream.of(
      arguments("no size: one default 2048x2048 image", body(V45), 1, 16_384L),
      arguments("4K counts as its largest recommended size 4096x4096", sized(V45, "4K"), 1, 65_536L),
      arguments("2K counts as 2048x2048", sized(V40, "2K"), 1, 16_384L),
      arguments("1K on 4.0 counts as its largest recommended size 1024x1024", sized(V40, "1K"), 1, 4_096L),
      arguments("exact size, rounded up: 3750x1250 / 256 = 18310.5", sized(V45, "3750x1250"), 1, 18_311L),
      arguments("group of 4 at 4K", group(V45, 4).put("size", "4K"), 4, 262_144L),
      arguments("auto group with 2 references: 13 images at 2K", body(V45).put(GROUP, "auto").put("image", urls(2))
        .put("size", "2K"), 13, 212_992L),
      arguments("group options ignored when group mode is off", body(V40).put(GROUP_OPTIONS, new JsonObject().put("max_images", 9))
        .put("size", "1600x900"), 1, 5_625L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("estimates")
  void estimatesTheWorstCase(String name, JsonObject body, int images, long tokens) {
    assertThat(validator.validate(body).estimate()).isEqualTo(new Estimate(images, tokens));
  }

  // ---- helpers

  private ApiException rejection(JsonObject body) {
    ApiException error = catchThrowableOfType(ApiException.class, () -> validator.validate(body));
    assertThat(error).as("the request should have been refused").isNotNull();
    return error;
  }

  private List<String> warningsFor(String prompt) {
    return validator.validate(body(V45).put("prompt", prompt)).warnings();
  }

  private static JsonObject body(String model) {
    return new JsonObject().put("model", model).put("prompt", "a cat");
  }

  private static JsonObject sized(String model, String size) {
    return body(model).put("size", size);
  }

  private static JsonObject withImages(String model, JsonArray images) {
    return body(model).put("image", images);
  }

  private static JsonObject group(String model, int maxImages) {
    return body(model).put(GROUP, "auto").put(GROUP_OPTIONS, new JsonObject().put("max_images", maxImages));
  }

  private static JsonObject optimized(String model, String mode) {
    return body(model).put("optimize_prompt_options", new JsonObject().put("mode", mode));
  }

  private static JsonArray urls(int count) {
    var list = new JsonArray();
    IntStream.range(0, count).forEach(i -> list.add("https://example.com/ref-" + i + ".png"));
    return list;
  }
}
