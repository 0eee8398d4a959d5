package dev.seedstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.EventStreamContract;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract documents are served, open even when tokens are required, and are valid documents of their
 * specifications: checked against the official schemas of OpenAPI 3.1 and AsyncAPI 3.0, vendored under
 * src/test/resources/specifications (see the README there), because a test cannot download them.
 */
@DisplayName("Contract documents")
class ContractDocumentsTest extends GatewayTestBase {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @DisplayName("GET /api/openapi.json is a valid OpenAPI 3.1 document, open without a token")
  void openApiIsServedAndValid() throws Exception {
    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:" + "a".repeat(32)));
    TestHttp.Response response = api.get("/api/openapi.json");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("Content-Type")).startsWith("application/json");
    JsonNode document = JSON.readTree(response.body().getBytes());
    assertThat(document.path("openapi").asText()).startsWith("3.1.");
    assertThat(violations("specifications/openapi-3.1.schema.json", SpecVersion.VersionFlag.V202012, document)).isEmpty();
  }

  @Test
  @DisplayName("GET /api/asyncapi.json is a valid AsyncAPI 3.0 document, open without a token")
  void asyncApiIsServedAndValid() throws Exception {
    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:" + "a".repeat(32)));
    TestHttp.Response response = api.get("/api/asyncapi.json");
    assertThat(response.status()).isEqualTo(200);
    JsonNode document = JSON.readTree(response.body().getBytes());
    assertThat(document.path("asyncapi").asText()).isEqualTo("3.0.0");
    assertThat(violations("specifications/asyncapi-3.0.0.schema.json", SpecVersion.VersionFlag.V7, document)).isEmpty();
  }

  @Test
  @DisplayName("the meta-schema checks can fail: a document missing what its specification requires is refused")
  void metaSchemasRefuseABrokenDocument() throws Exception {
    startGateway(Map.of());
    JsonNode openApi = JSON.readTree(api.get("/api/openapi.json").body().getBytes());
    ((com.fasterxml.jackson.databind.node.ObjectNode) openApi).remove("info");
    assertThat(violations("specifications/openapi-3.1.schema.json", SpecVersion.VersionFlag.V202012, openApi)).isNotEmpty();
    JsonNode asyncApi = JSON.readTree(api.get("/api/asyncapi.json").body().getBytes());
    ((com.fasterxml.jackson.databind.node.ObjectNode) asyncApi.get("channels").get("generationEvents")).put("address", 42);
    assertThat(violations("specifications/asyncapi-3.0.0.schema.json", SpecVersion.VersionFlag.V7, asyncApi)).isNotEmpty();
  }

  @Test
  @DisplayName("every error code of the enum is in the OpenAPI document with its status")
  void everyErrorCodeIsDocumented() throws Exception {
    startGateway(Map.of());
    JsonNode document = JSON.readTree(api.get("/api/openapi.json").body().getBytes());
    JsonNode codes = document.at("/components/schemas/ErrorCode");
    Set<String> listed = java.util.stream.StreamSupport.stream(codes.get("enum").spliterator(), false)
      .map(JsonNode::asText).collect(Collectors.toSet());
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(listed).as("ErrorCode enum lists " + code.wire()).contains(code.wire());
      assertThat(codes.get("description").asText()).as("the status of " + code.wire())
        .contains("`" + code.wire() + "` " + code.httpStatus());
    }
    assertThat(listed).hasSize(ErrorCode.values().length);
  }

  @Test
  @DisplayName("the contract check fails an answer that breaks the document (so it is not a check that cannot fail)")
  void theCheckCanFail() {
    startGateway(Map.of());
    MultiMap json = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json; charset=utf-8");
    // A 202 without Location, a 404 whose code is not not_found, a status the operation does not list.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.seedstream.support.ResponseContract.check(HttpMethod.POST,
        "/api/generations", 202, json, io.vertx.core.buffer.Buffer.buffer("{\"id\":\"x\",\"status\":\"running\",\"events_url\":\"/e\",\"warnings\":[]}")))
      .isInstanceOf(AssertionError.class).hasMessageContaining("Location");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.seedstream.support.ResponseContract.check(HttpMethod.GET,
        "/api/generations/abc", 404, json, io.vertx.core.buffer.Buffer.buffer("{\"error\":{\"code\":\"rate_limited\",\"message\":\"m\"}}")))
      .isInstanceOf(AssertionError.class).hasMessageContaining("/api/generations/abc");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.seedstream.support.ResponseContract.check(HttpMethod.GET,
        "/healthz", 418, json, io.vertx.core.buffer.Buffer.buffer("{}")))
      .isInstanceOf(AssertionError.class).hasMessageContaining("status 418 is not listed");
  }

  @Test
  @DisplayName("the event check can fail: a missing field, an unknown event, an id that skips, an event after the terminal one")
  void theEventCheckCanFail() {
    EventStreamContract missingField = EventStreamContract.forUri("/api/generations/abc/events", null);
    assertThat(missingField.onEvent(new SseEvent("1", "image", "{\"index\":0}"))).singleElement().asString().contains("elapsed_ms");
    EventStreamContract unknown = EventStreamContract.forUri("/api/generations/abc/events", null);
    assertThat(unknown.onEvent(new SseEvent("1", "progress", "{}"))).singleElement().asString().contains("no message");
    EventStreamContract stream = EventStreamContract.forUri("/api/generations", null);
    assertThat(stream.onEvent(new SseEvent("1", "cancelled", "{\"reason\":\"abandoned\"}"))).isEmpty();
    assertThat(stream.onEvent(new SseEvent("3", "cancelled", "{\"reason\":\"abandoned\"}"))).singleElement().asString()
      .contains("after the terminal event").contains("ids go up by one");
    assertThat(EventStreamContract.forUri("/api/generations/abc/events", null).onText("id: 1\nevent: started\n")).singleElement()
      .asString().contains("retry:");
    assertThat(EventStreamContract.forUri("/api/generations/abc/events", null).onText("retry: 3000\n\n: hello\n\n")).singleElement()
      .asString().contains(": hello");
  }

  @Test
  @DisplayName("unknown paths answer as x-unmatched-paths says: the JSON error under /api, the upstream envelope under /v1")
  void unknownPathsAnswerTheDocumentedErrors() {
    startGateway(Map.of());
    // TestHttp checks each answer against the document; the assertions say which branch was taken.
    TestHttp.Response api404 = api.get("/api/no-such-thing");
    assertThat(api404.status()).isEqualTo(404);
    assertThat(api404.json().getJsonObject("error").getString("code")).isEqualTo("not_found");
    TestHttp.Response v1404 = api.get("/v1/no-such-thing");
    assertThat(v1404.status()).isEqualTo(404);
    assertThat(v1404.json().getJsonObject("error").getString("type")).isEqualTo("not_found");
    TestHttp.Response wrongMethod = Await.result(api.call(HttpMethod.PUT, "/api/generations", null, "{}"));
    assertThat(wrongMethod.status()).isIn(404, 405);
  }

  private static Set<String> violations(String schemaResource, SpecVersion.VersionFlag version, JsonNode document) {
    JsonSchema schema = JsonSchemaFactory.getInstance(version).getSchema(SchemaLocation.of("classpath:" + schemaResource));
    return schema.validate(document).stream().map(ValidationMessage::toString).collect(Collectors.toSet());
  }
}
