package dev.seedstream.upstream;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seedstream.sse.EventData;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One upstream event's JSON object, read straight from the event's UTF-8 bytes. A top-level
 * {@code b64_json} string that is plain base64 is not materialised: it becomes an {@link InlineImage}
 * over the same bytes and is left out of {@code fields}. A multi-megabyte image therefore costs one
 * pass to check (the JSON parser jumps over it) and is copied only into each client's write, never into
 * a String or a re-encoding. That pass is all the gateway adds between the upstream's last byte of an
 * image and its first byte to the client.
 * Any other {@code b64_json} (escaped, say) stays in {@code fields} as a String.
 */
record EventPayload(JsonObject fields, InlineImage inlineImage) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Reads {@code json}; the image, when there is one, is a range of it, so it must outlive the result's use. */
  static EventPayload parse(EventData json) throws IOException {
    EventData.Reader input = json.stream();
    try (JsonParser parser = MAPPER.getFactory().createParser(input)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new JsonParseException(parser, "the event's data is not a JSON object");
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      InlineImage inline = null;
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        JsonToken token = parser.nextToken();
        InlineImage found = "b64_json".equals(name) && token == JsonToken.VALUE_STRING
          ? InlineImage.inJsonString(json, input.eventOffset(parser.currentTokenLocation().getByteOffset())) : null;
        if (found != null) {
          // The image is checked: the parser need not read it too. It skips whatever part of the string it
          // has buffered, and its next read starts at the closing quote.
          input.jumpTo(found.end());
          inline = found;
          fields.remove(name);
        } else {
          fields.put(name, value(parser, token));
          if ("b64_json".equals(name)) {
            inline = null; // a later duplicate key wins, as it would in a parsed object
          }
        }
      }
      if (parser.nextToken() != null) {
        throw new JsonParseException(parser, "unexpected data after the JSON object");
      }
      return new EventPayload(new JsonObject(fields), inline);
    }
  }

  /**
   * Scalars are read off the parser, as the mapper itself would read them (a number as Integer, Long,
   * BigInteger or Double): every event has a handful, and each trip through the mapper costs a
   * deserialization context. Objects and arrays go through the mapper.
   */
  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> parser.getNumberValue();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> MAPPER.readValue(parser, Object.class);
    };
  }
}
