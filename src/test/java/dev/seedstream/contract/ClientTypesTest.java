package dev.seedstream.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.seedstream.failure.ErrorCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JavaScript client's TypeScript declarations are checked against the event contract and the error codes,
 * so that neither can change without the other: every property of each event's data schema in
 * docs/asyncapi.yaml is declared on the matching interface, and every error code is in the ErrorCode union.
 */
@DisplayName("The client's types agree with the contract")
class ClientTypesTest {

  private static final Map<String, String> INTERFACE_OF_EVENT = Map.of("started", "StartedData", "image", "ImageData",
    "image_failed", "ImageFailedData", "completed", "CompletedData", "error", "ErrorData", "cancelled", "CancelledData");

  @Test
  @DisplayName("each event's data properties in docs/asyncapi.yaml are declared in web/client/seedstream.d.ts")
  void eventDataIsDeclared() throws Exception {
    JsonNode messages = new ObjectMapper(new YAMLFactory()).readTree(Path.of("docs/asyncapi.yaml").toFile())
      .path("components").path("messages");
    String declarations = Files.readString(Path.of("web/client/seedstream.d.ts"));
    List<String> missing = new ArrayList<>();
    INTERFACE_OF_EVENT.forEach((event, type) -> {
      JsonNode properties = messages.path(event).path("payload").path("properties");
      assertThat(properties.size()).as("data properties of " + event + " in docs/asyncapi.yaml").isPositive();
      String body = interfaceBody(declarations, type);
      properties.fieldNames().forEachRemaining(property -> {
        if (!Pattern.compile("\\b" + property + "\\??:").matcher(body).find()) {
          missing.add(type + "." + property + " (event " + event + ")");
        }
      });
    });
    assertThat(missing).as("properties the contract has and the declarations lack").isEmpty();
  }

  @Test
  @DisplayName("every error code the gateway sends is in the declarations' ErrorCode union")
  void errorCodesAreDeclared() throws Exception {
    String declarations = Files.readString(Path.of("web/client/seedstream.d.ts"));
    String union = declarations.substring(declarations.indexOf("export type ErrorCode ="));
    union = union.substring(0, union.indexOf(';'));
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(union).as("ErrorCode union in seedstream.d.ts").contains("'" + code.wire() + "'");
    }
  }

  private static String interfaceBody(String declarations, String name) {
    Matcher start = Pattern.compile("export interface " + name + "\\b[^{]*\\{").matcher(declarations);
    assertThat(start.find()).as("interface " + name + " in seedstream.d.ts").isTrue();
    int depth = 1;
    int i = start.end();
    while (depth > 0 && i < declarations.length()) {
      char c = declarations.charAt(i++);
      depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    }
    return declarations.substring(start.end(), i);
  }
}
