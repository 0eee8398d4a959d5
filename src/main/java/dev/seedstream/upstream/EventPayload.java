package dev.seedstream.upstream;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seedstream.sse.EventData;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
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
    Input input = new Input(json);
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
   * The event's bytes as the parser reads them, able to jump ahead over an image's text. Offsets the
   * parser reports count only the bytes it was given, so they are translated back into the event's.
   */
  private static final class Input extends InputStream {

    private final EventData data;
    private long at;
    private long skipped;

    Input(EventData data) {
      this.data = data;
    }

    /** The event's index of a byte the parser reports at {@code parserOffset}. */
    long eventOffset(long parserOffset) {
      return parserOffset + skipped;
    }

    /** The next read starts at {@code index}, unless the parser has already been given it. */
    void jumpTo(long index) {
      if (index > at) {
        skipped += index - at;
        at = index;
      }
    }

    @Override
    public int read() {
      return at < data.size() ? data.get(at++) & 0xff : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (at >= data.size()) {
        return -1;
      }
      int n = (int) Math.min(length, data.size() - at);
      data.copy(at, target, offset, n);
      at += n;
      return n;
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
