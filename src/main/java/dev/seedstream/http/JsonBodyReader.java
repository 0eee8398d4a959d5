package dev.seedstream.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Reads a JSON request body while it arrives, with Jackson's non-blocking parser, and builds the object only
 * within bounds: so that no body, however built, costs more than a little per megabyte on the event loop, and
 * the answer comes as soon as it is decided instead of after reading and echoing everything.
 * <ul>
 *   <li>A request body is at most {@code SEEDSTREAM_MAX_REQUEST_BYTES}; the JSON outside inline images at most
 *   {@code SEEDSTREAM_MAX_JSON_BYTES} (413 with {@code limit_bytes} and the setting). Only {@code image} entries
 *   may be long: each up to the base64 length of the catalogue's largest reference image.</li>
 *   <li>An object has at most {@value #MAX_MEMBERS} fields, an array at most {@value #MAX_ITEMS} entries and
 *   nesting at most {@value #MAX_DEPTH} levels; the request format needs far fewer. Past any of them the body
 *   is refused at once (400) and the rest is not read.</li>
 *   <li>A declared {@code Content-Type} must be JSON (415 otherwise): a web page can send {@code text/plain}
 *   or form bodies to any address without asking, JSON it cannot.</li>
 * </ul>
 * The object is left in the routing context under {@link #BODY}, with the characters of its inline images
 * under {@link #IMAGE_CHARS} so that the route can take heavy image checks off the event loop.
 */
final class JsonBodyReader implements Handler<RoutingContext> {

  static final String BODY = "seedstream.json-body";
  static final String IMAGE_CHARS = "seedstream.json-image-chars";
  static final int MAX_MEMBERS = 64;
  static final int MAX_ITEMS = 64;
  static final int MAX_DEPTH = 8;
  /** Bodies up to this size are parsed where they arrive: under a millisecond of work. */
  static final long ON_LOOP_BYTES = 256 * 1024;
  private static final String IMAGE_FIELD = "image";
  // data:image/jpeg;base64, and a little room for a longer media type.
  private static final int DATA_URI_HEAD = 64;

  private final JsonFactory factory;
  private final long maxRequestBytes;
  private final long maxJsonBytes;
  private final long maxImageChars;
  private final long maxImageBytes;

  /**
   * @param maxImageBytes the largest decoded reference image the catalogue accepts: an inline image may be as
   *                      long as its base64 form
   */
  JsonBodyReader(long maxRequestBytes, long maxJsonBytes, long maxImageBytes) {
    this.maxRequestBytes = maxRequestBytes;
    this.maxJsonBytes = maxJsonBytes;
    this.maxImageBytes = maxImageBytes;
    this.maxImageChars = (maxImageBytes + 2) / 3 * 4 + DATA_URI_HEAD;
    // Our own bounds decide first; these only keep Jackson from ever refusing with its internal wording.
    this.factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
      .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxRequestBytes))
      .maxNestingDepth(MAX_DEPTH + 2)
      .maxNumberLength(1000)
      .build()).build();
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && !isJson(type)) {
      ctx.fail(new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send the body as JSON with Content-Type: "
        + "application/json, not " + printable(type)));
      return;
    }
    long declared = declaredLength(request);
    if (declared > maxRequestBytes) {
      ctx.fail(tooLarge(maxRequestBytes, "SEEDSTREAM_MAX_REQUEST_BYTES", "the request body of " + declared + " bytes"));
      return;
    }
    new Reading(ctx).start();
  }

  static boolean isJson(String contentType) {
    String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
  }

  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1; // Vert.x itself refuses a malformed Content-Length before any route runs
    }
  }

  static ApiException tooLarge(long limit, String setting, String what) {
    return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, what + " is over the gateway's limit of " + limit + " bytes ("
      + setting + ")").withDetail("limit_bytes", limit).withDetail("setting", setting);
  }

  private static String printable(String text) {
    String cut = text.length() > 100 ? text.substring(0, 100) + "…" : text;
    return cut.replaceAll("[^\\x20-\\x7e]", "?");
  }

  /** More bytes for the parser, or the end of them. */
  @FunctionalInterface
  private interface Input {
    void give() throws IOException;
  }

  /** One open container: its JSON, its path for violations, the field whose value comes next, its size. */
  private static final class Level {
    final Object container;
    final String path;
    String field;
    int size;

    Level(Object container, String path) {
      this.container = container;
      this.path = path;
    }

    String childPath() {
      if (container instanceof JsonArray) {
        return path + "[" + size + "]";
      }
      return path.isEmpty() ? field : path + "." + field;
    }
  }

  /** The parse of one request body. Runs on the request's event loop; answers at most once. */
  private final class Reading {

    private final RoutingContext ctx;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final Deque<Level> open = new ArrayDeque<>();
    private JsonObject root;
    private long received;
    private long parsedUpTo;
    private long imageChars;
    private long oversizedImageChars = -1;
    private String oversizedImage;
    /** The parse has decided (refused, or complete); set by the parsing thread, read on the event loop. */
    private boolean done;
    /** Why the body is refused, once decided; answered on the event loop. */
    private ApiException refusal;
    /** Whether chunks are parsed on a worker thread: see {@link #start()}. */
    private boolean offLoop;
    private boolean clientGone;

    Reading(RoutingContext ctx) {
      this.ctx = ctx;
      try {
        this.parser = factory.createNonBlockingByteArrayParser();
      } catch (IOException e) {
        throw new IllegalStateException("Jackson has no non-blocking parser", e);
      }
      this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /**
     * Parsing costs about 1.5 to 3 ms per megabyte (Jackson gathers a long string's characters one by one), so a
     * body that may be larger than {@value #ON_LOOP_BYTES} bytes is parsed on a worker thread, a chunk at a time
     * and in order, with the request paused meanwhile; a small one is parsed where it arrives. Either way every
     * answer is given on the event loop.
     */
    void start() {
      HttpServerRequest request = ctx.request();
      long declared = declaredLength(request);
      offLoop = declared < 0 || declared > ON_LOOP_BYTES;
      request.handler(this::onChunk);
      request.endHandler(v -> onEnd());
      request.exceptionHandler(failure -> clientGone = true); // nobody to answer
      request.resume(); // the router pauses a request until a handler takes its body
    }

    private void onChunk(Buffer buffer) {
      if (done || clientGone) {
        return;
      }
      if (!offLoop) {
        chunk(buffer);
        answerIfRefused();
        return;
      }
      HttpServerRequest request = ctx.request();
      request.pause();
      ctx.vertx().executeBlocking(() -> {
        chunk(buffer);
        return null;
      }, true).onComplete(ar -> {
        if (ar.failed()) {
          refusal = new ApiException(ErrorCode.INVALID_REQUEST, "the body could not be read");
          done = true;
        }
        if (!answerIfRefused() && !clientGone) {
          request.resume();
        }
      });
    }

    private void onEnd() {
      if (done || clientGone) {
        return;
      }
      if (!offLoop) {
        finish();
        answer();
        return;
      }
      ctx.vertx().executeBlocking(() -> {
        finish();
        return null;
      }, true).onComplete(ar -> answer());
    }

    /** On the event loop: a refusal decided so far is answered; true when there was one. */
    private boolean answerIfRefused() {
      if (refusal == null || clientGone) {
        return refusal != null;
      }
      ApiException error = refusal;
      refusal = null;
      ctx.fail(error);
      return true;
    }

    /** On the event loop, once the body has ended: the request goes on with its object, or is refused. */
    private void answer() {
      if (answerIfRefused() || clientGone || root == null) {
        return;
      }
      // The body has ended: nothing more reaches these handlers, and left on the request they would keep this
      // reading (its parser and buffers, about 1.7 KiB) for as long as the response lasts, a whole event stream.
      HttpServerRequest request = ctx.request();
      request.handler(null);
      request.endHandler(null);
      request.exceptionHandler(null);
      ReadDeadlines.bodyRead(ctx);
      ctx.put(BODY, root);
      ctx.put(IMAGE_CHARS, imageChars);
      ctx.next();
    }

    private void chunk(Buffer buffer) {
      if (done) {
        return;
      }
      received += buffer.length();
      if (received > maxRequestBytes) {
        refuse(tooLarge(maxRequestBytes, "SEEDSTREAM_MAX_REQUEST_BYTES", "the request body"));
        return;
      }
      byte[] bytes = buffer.getBytes();
      if (oversizedImage != null) {
        skipOversizedImage(bytes, 0);
        return;
      }
      if (parsed(() -> feeder.feedInput(bytes, 0, bytes.length)) && !done) {
        checkUnfinishedToken(bytes);
      }
    }

    /** Gives the parser more input and takes every token it can; false when the body was refused for its syntax. */
    private boolean parsed(Input input) {
      try {
        input.give();
        drain();
        return true;
      } catch (JsonProcessingException e) {
        refuse(invalid("", syntaxError(e)));
      } catch (IOException e) {
        refuse(invalid("", "the body could not be read"));
      }
      return false;
    }

    private void drain() throws IOException {
      JsonToken token;
      while (!done && (token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
        accept(token);
        parsedUpTo = parser.currentLocation().getByteOffset();
      }
    }

    /** A string still arriving may already be too long: decide now rather than buffer the rest of it. */
    private void checkUnfinishedToken(byte[] lastChunk) {
      long pending = received - parsedUpTo;
      if (expectingImage() && pending > maxImageChars) {
        oversizedImage = open.peek().childPath();
        oversizedImageChars = pending;
        return; // the rest of the string is only counted, so that the answer can say how large it was
      }
      if (!expectingImage() && received - imageChars > maxJsonBytes) {
        refuse(tooLarge(maxJsonBytes, "SEEDSTREAM_MAX_JSON_BYTES", "the JSON outside inline images"));
      }
    }

    /** Counts an oversized image's characters up to its closing quote (base64 has neither quotes nor escapes). */
    private void skipOversizedImage(byte[] bytes, int from) {
      for (int i = from; i < bytes.length; i++) {
        if (bytes[i] == '"') {
          oversizedImageChars += i - from;
          refuseOversizedImage();
          return;
        }
      }
      oversizedImageChars += bytes.length - from;
    }

    private void refuseOversizedImage() {
      long decoded = Math.max(0, oversizedImageChars - DATA_URI_HEAD) / 4 * 3;
      refuse(invalid(oversizedImage, "is about " + decoded + " bytes as an image; at most " + maxImageBytes
        + " bytes (decoded) are accepted per reference image"));
    }

    private void accept(JsonToken token) throws IOException {
      switch (token) {
        case START_OBJECT -> enter(new JsonObject());
        case START_ARRAY -> enter(new JsonArray());
        case END_OBJECT, END_ARRAY -> open.pop();
        case FIELD_NAME -> field(parser.currentName());
        case VALUE_STRING -> string(parser.getText());
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> value(parser.getNumberValue());
        case VALUE_TRUE -> value(Boolean.TRUE);
        case VALUE_FALSE -> value(Boolean.FALSE);
        case VALUE_NULL -> value(null);
        default -> refuse(invalid("", "the body is not valid JSON"));
      }
    }

    private void enter(Object container) {
      if (open.size() >= MAX_DEPTH) {
        refuse(invalid(open.peek().childPath(), "is nested deeper than " + MAX_DEPTH + " levels"));
        return;
      }
      String path = open.isEmpty() ? "" : open.peek().childPath();
      if (value(container)) {
        open.push(new Level(container, path));
      }
    }

    private void field(String name) {
      Level level = open.peek();
      if (level.size >= MAX_MEMBERS) {
        refuse(invalid(level.path.isEmpty() ? "body" : level.path, "has more than " + MAX_MEMBERS
          + " fields; the gateway stopped reading the request there"));
        return;
      }
      level.field = name;
    }

    private void string(String text) {
      if (expectingImage()) {
        imageChars += text.length();
      }
      value(text);
    }

    /** Adds a value to the open container; false when the body was refused instead. */
    private boolean value(Object value) {
      Level level = open.peek();
      if (level == null) {
        if (root != null) {
          refuse(invalid("", "the body must hold one JSON object and nothing after it"));
          return false;
        }
        if (!(value instanceof JsonObject object)) {
          refuse(invalid("", "the body must be a JSON object"));
          return false;
        }
        root = object;
        return true;
      }
      if (level.container instanceof JsonArray array) {
        if (level.size >= MAX_ITEMS) {
          refuse(invalid(level.path, "has more than " + MAX_ITEMS + " entries; the gateway stopped reading the request there"));
          return false;
        }
        array.add(value);
      } else {
        ((JsonObject) level.container).put(level.field, value);
      }
      level.size++;
      return true;
    }

    /** Whether the next value is an entry of the top-level {@code image} field, the one place long strings belong. */
    private boolean expectingImage() {
      Level level = open.peek();
      if (level == null) {
        return false;
      }
      if (open.size() == 1) {
        return level.container instanceof JsonObject && IMAGE_FIELD.equals(level.field);
      }
      return open.size() == 2 && level.container instanceof JsonArray && level.path.equals(IMAGE_FIELD);
    }

    private void finish() {
      if (done) {
        return;
      }
      if (oversizedImage != null) {
        refuseOversizedImage();
        return;
      }
      if (!parsed(feeder::endOfInput) || done) {
        return;
      }
      if (root == null || !open.isEmpty()) {
        root = null;
        refuse(invalid("", received == 0 ? "the body is empty; send a JSON object" : "the body is not complete JSON"));
        return;
      }
      done = true;
    }

    /** Decides the refusal; the event loop answers it (see {@link #answerIfRefused()}). */
    private void refuse(ApiException error) {
      done = true;
      refusal = error;
    }

    /** Jackson's first clause and where it stopped; never its source description or feature names. */
    private String syntaxError(JsonProcessingException e) {
      String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
      if (message.startsWith("Unexpected end-of-input")) {
        return "the body is not complete JSON";
      }
      for (String end : new String[] {"\n", " (start marker", " at [Source"}) {
        int cut = message.indexOf(end);
        message = cut < 0 ? message : message.substring(0, cut);
      }
      long offset = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
      return "the body is not valid JSON" + (offset >= 0 ? " at byte " + offset : "") + ": " + message;
    }

    private ApiException invalid(String field, String message) {
      return ApiException.invalid(List.of(new Violation(field, message)));
    }
  }
}
