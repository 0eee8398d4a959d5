package dev.seedstream.simulator;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Collections;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests the upstream refuses before any stream: plain compact JSON in the dialect's envelope. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulatorRefusalTest extends SimulatorTestBase {

  private static final String RELAY_REQUEST_ID = "\\d{14}\\d{8}[A-Za-z]{8}";

  @Test
  @DisplayName("an unknown model is Ark's 404 InvalidEndpointOrModel.NotFound")
  void unknownModel() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER,
      "{\"model\":\"doubao-seedream-3-0-t2i-250415\",\"prompt\":\"p\",\"stream\":true}");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(answer.text()).matches(Transcript.pattern("{\"error\":{\"code\":\"InvalidEndpointOrModel.NotFound\","
      + "\"message\":\"The model or endpoint doubao-seedream-3-0-t2i-250415 does not exist or you do not have "
      + "access to it. Request id: «rid»\",\"param\":\"\",\"type\":\"Not Found\"}}", ""));
  }

  @Test
  @DisplayName("1500x1500 on 4.5 is too small, worded as in the live probe of transcript T6")
  void sizeTooSmallOn45() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"size\":\"1500x1500\",\"stream\":true}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(answer.text()).matches(Transcript.pattern("{\"error\":{\"code\":\"InvalidParameter\",\"message\":"
      + "\"The parameter `size` specified in the request is not valid: image size must be at least 3686400 pixels. "
      + "Request id: «rid»\",\"param\":\"\",\"type\":\"\"}}", ""));
  }

  @ParameterizedTest(name = "{0} with size {1} -> {2}")
  @CsvSource({
    "doubao-seedream-4-0-250828, 800x800, image size must be at least 921600 pixels",
    "doubao-seedream-4-5-251128, 1K, 1K is not supported by the current model",
    "doubao-seedream-4-5-251128, 4097x4096, image size must be at most 16777216 pixels",
    "doubao-seedream-4-0-250828, 4080x240, aspect ratio must be between 1/16 and 16",
    "doubao-seedream-4-0-250828, 2048*2048, ",
  })
  @DisplayName("size rules per model")
  void sizeRules(String model, String size, String reason) {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER,
      "{\"model\":\"" + model + "\",\"prompt\":\"p\",\"size\":\"" + size + "\"}");

    String detail = reason == null ? "." : ": " + reason + ".";
    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().getJsonObject("error").getString("message"))
      .startsWith("The parameter `size` specified in the request is not valid" + detail + " Request id: ");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "fast prompt mode on 4.5 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"optimize_prompt_options\":{\"mode\":\"fast\"}} | optimize_prompt_options.mode",
    "max_images 0 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":0}} | sequential_image_generation_options.max_images",
    "max_images 16 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":16}} | sequential_image_generation_options.max_images",
    "blank prompt | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\" \"} | prompt",
    "unknown response_format | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"response_format\":\"png\"} | response_format",
    "stream not a boolean | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"stream\":\"yes\"} | stream",
  })
  @DisplayName("parameter rules answer 400 InvalidParameter naming the parameter")
  void invalidParameters(String name, String body, String parameter) {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, body);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().getJsonObject("error").getString("code")).isEqualTo("InvalidParameter");
    assertThat(answer.json().getJsonObject("error").getString("message"))
      .startsWith("The parameter `" + parameter + "` specified in the request is not valid");
  }

  @Test
  @DisplayName("15 reference images are one too many; 14 plus 2 outputs exceed 15; 14 plus 1 is fine")
  void referenceImageCounts() {
    start(FAST);

    SimulatorCaller.Answer fifteen = client.post(SimulatorCaller.ARK, BEARER, withReferences(15, ""));
    SimulatorCaller.Answer fourteenPlusTwo = client.post(SimulatorCaller.ARK, BEARER, withReferences(14,
      ",\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":2}"));
    SimulatorCaller.Answer fourteenPlusOne = client.post(SimulatorCaller.ARK, BEARER, withReferences(14, ""));

    assertThat(fifteen.status()).isEqualTo(400);
    assertThat(fifteen.json().getJsonObject("error").getString("message"))
      .startsWith("The parameter `image` specified in the request is not valid: at most 14 reference images");
    assertThat(fourteenPlusTwo.status()).isEqualTo(400);
    assertThat(fourteenPlusTwo.json().getJsonObject("error").getString("message"))
      .contains("reference images plus generated images must not exceed 15");
    assertThat(fourteenPlusOne.status()).isEqualTo(200);
  }

  @Test
  @DisplayName("a single reference image as a string, fast mode on 4.0 and unknown fields are accepted")
  void acceptedVariants() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, """
      {"model":"doubao-seedream-4-0-250828","prompt":"p","size":"1K","image":"https://example.com/a.png",\
      "optimize_prompt_options":{"mode":"fast"},"negative_prompt":"x","n":3,"seed":-1,"watermark":true}""");

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.json().getJsonArray("data").getJsonObject(0).getString("size")).isEqualTo("1024x1024");
  }

  @ParameterizedTest(name = "body {0}")
  @CsvSource(delimiter = '|', value = {"not json", "[1,2]", "''"})
  @DisplayName("a body that is not a JSON object is a 400")
  void notAJsonObject(String body) {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, body);

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().getJsonObject("error").getString("code")).isEqualTo("InvalidParameter");
  }

  @Test
  @DisplayName("a missing prompt is MissingParameter")
  void missingPrompt() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, "{\"model\":\"doubao-seedream-4-5-251128\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.json().getJsonObject("error").getString("code")).isEqualTo("MissingParameter");
  }

  @ParameterizedTest(name = "Authorization: {0}")
  @CsvSource(delimiter = '|', value = {"Bearer wrong", "sk-sim-test-key", "''"})
  @DisplayName("Ark wants exactly Bearer <key>; anything else is the 401 Ark envelope")
  void arkRefusesBadKeys(String authorization) {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, authorization.isEmpty() ? null : authorization,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\"}");

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.text()).matches(Transcript.pattern("{\"error\":{\"code\":\"AuthenticationError\",\"message\":"
      + "\"the API key or AK/SK in the request is missing or invalid. Request id: «rid»\",\"param\":\"\","
      + "\"type\":\"Unauthorized\"}}", ""));
  }

  @Test
  @DisplayName("DMXAPI refuses a wrong key in the new-api envelope")
  void dmxRefusesBadKey() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.DMX, "Bearer sk-wrong",
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\"}");

    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(answer.text()).matches("\\{\"error\":\\{\"message\":\"无效的令牌 \\(request id: " + RELAY_REQUEST_ID
      + "\\)\",\"type\":\"new_api_error\",\"param\":\"\",\"code\":\"\"}}");
  }

  @ParameterizedTest(name = "Authorization: {0}")
  @CsvSource({"sk-sim-test-key", "Bearer sk-sim-test-key"})
  @DisplayName("DMXAPI takes the key bare or with Bearer")
  void dmxAcceptsBothKeyForms(String authorization) {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.DMX, authorization,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\"}");

    assertThat(answer.status()).isEqualTo(200);
  }

  @Test
  @DisplayName("DMXAPI relays Ark's validation error inside the new-api envelope")
  void dmxRelaysValidationErrors() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.DMX, KEY,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"size\":\"1500x1500\"}");

    assertThat(answer.status()).isEqualTo(400);
    assertThat(answer.text()).matches(Transcript.pattern("{\"error\":{\"message\":\"The parameter `size` specified "
      + "in the request is not valid: image size must be at least 3686400 pixels. Request id: «rid» (request id: ", "")
      .pattern() + RELAY_REQUEST_ID + Transcript.pattern(")\",\"type\":\"new_api_error\",\"param\":\"\","
      + "\"code\":\"InvalidParameter\"}}", "").pattern());
  }

  @Test
  @DisplayName("failRequestStatus 429 answers with Retry-After: 3 and the IPM rate-limit code, even for a stream")
  void rateLimited() {
    start(FAST.withFailRequestStatus(429));

    SimulatorCaller.Answer ark = client.post(SimulatorCaller.ARK, BEARER,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"stream\":true}");
    SimulatorCaller.Answer dmx = client.post(SimulatorCaller.DMX, KEY,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"stream\":true}");

    assertThat(ark.status()).isEqualTo(429);
    assertThat(ark.headers().get("Retry-After")).isEqualTo("3");
    assertThat(ark.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(ark.text()).matches(Transcript.pattern("{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\","
      + "\"message\":\"IPM (Images Per Minute) limit of the model is exceeded. Please try again later. "
      + "Request id: «rid»\",\"param\":\"\",\"type\":\"TooManyRequests\"}}", ""));
    assertThat(dmx.status()).isEqualTo(429);
    assertThat(dmx.headers().get("Retry-After")).isEqualTo("3");
    assertThat(dmx.json().getJsonObject("error").getString("code")).isEqualTo("ModelAccountIpmRateLimitExceeded");
    assertThat(dmx.json().getJsonObject("error").getString("type")).isEqualTo("new_api_error");
    assertThat(simulator.requestCount()).isEqualTo(2);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"500, InternalServiceError", "503, ServerOverloaded", "403, AccessDenied", "401, AuthenticationError"})
  @DisplayName("failRequestStatus answers the status with its Ark code and no Retry-After")
  void refusedOnDemand(int status, String code) {
    start(FAST.withFailRequestStatus(status));

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER,
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"stream\":true}");

    assertThat(answer.status()).isEqualTo(status);
    assertThat(answer.headers().get("Retry-After")).isNull();
    assertThat(answer.json().getJsonObject("error").getString("code")).isEqualTo(code);
  }

  private static String withReferences(int count, String extra) {
    String urls = String.join(",", Collections.nCopies(count, "\"https://example.com/ref.png\""));
    return "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"image\":[" + urls + "]" + extra + "}";
  }
}
