package dev.seedstream.upstream;

import dev.seedstream.config.ImageOrigin;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.sse.EventData;
import dev.seedstream.sse.SseEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps what the upstream says, one parsed event (or one non-streamed JSON body) at a time, onto
 * {@link UpstreamEvents}. It knows every shape of docs/upstream-protocol.md §4–§5: Ark's {@code partial_succeeded},
 * {@code partial_failed} and {@code completed}; the DMXAPI relay's OpenAI-style {@code completed} events that
 * each carry one image (variant B); a top-level {@code {"error":…}} data frame; and {@code [DONE]}.
 * It reports at most one terminal event; everything after that is ignored.
 */
final class UpstreamEventMapper {

  private static final Logger LOG = Logger.getLogger(UpstreamEventMapper.class.getName());
  private static final String PREFIX = "image_generation.";
  /** Enough for every field Ark or a relay sends before an image's {@code b64_json}. */
  private static final int HEAD_BYTES = 1024;
  private static final Pattern IMAGE_INDEX = Pattern.compile("\"image_index\"\\s*:\\s*(\\d+)");

  private final UpstreamEvents events;
  private final UpstreamErrors errors;
  private final List<String> imageHosts;
  private int nextIndex;
  private int openAiStyleImages;
  private JsonObject lastUsage = new JsonObject();
  private boolean finished;
  /** Whether the event being mapped gave its bytes to an image that was handed on. */
  private boolean handedOn;

  UpstreamEventMapper(UpstreamEvents events, UpstreamErrors errors, List<String> imageHosts) {
    this.events = events;
    this.errors = errors;
    this.imageHosts = List.copyOf(imageHosts);
  }

  boolean finished() {
    return finished;
  }

  /**
   * One SSE event from a streamed 200 response. The event's bytes are released here unless an image made
   * from them was handed on: then its receiver owns them.
   */
  void accept(SseEvent event) {
    EventData data = event.payload();
    handedOn = false;
    try {
      if (!finished) {
        map(event, data);
      }
    } finally {
      if (!handedOn) {
        data.release();
      }
    }
  }

  private void map(SseEvent event, EventData data) {
    if (isDone(data)) {
      onDone();
      return;
    }
    EventPayload payload;
    try {
      payload = EventPayload.parse(data);
    } catch (IOException | RuntimeException e) {
      // One corrupt frame must not sink the images around it; if it hid the end, EOF reports truncation.
      LOG.warning("upstream sent an event whose data is not a JSON object (" + data.size() + " bytes); skipped");
      if (looksLikeImage(event, data)) {
        // Whoever paid for the image must be told why it did not come.
        int index = indexIn(data);
        nextIndex = Math.max(nextIndex, index + 1);
        events.onImageFailed(index, ErrorCode.UPSTREAM_PROTOCOL.wire(), "the upstream sent this image's event as data that is not valid JSON");
      }
      return;
    }
    JsonObject json = payload.fields();
    String type = json.getValue("type") instanceof String t ? t : event.event();
    if (type == null && json.getValue("error") != null) {
      fail(json.getValue("error"));
      return;
    }
    dispatch(type == null ? "" : type, json, payload.inlineImage());
  }

  /**
   * Whether an event that could not be parsed was meant to carry an image, told from its event name or,
   * failing that, from the head of its data: an image event names its type or its image field early, and
   * reading only the head keeps a corrupt multi-megabyte frame from being decoded as text.
   */
  private static boolean looksLikeImage(SseEvent event, EventData data) {
    String name = event.event() == null ? "" : event.event();
    if (name.equals(PREFIX + "partial_succeeded") || name.equals(PREFIX + "partial_failed")) {
      return true;
    }
    String head = head(data);
    if (name.equals(PREFIX + "partial_image") || head.contains("partial_image")) {
      return false; // a preview, not an image anyone is owed
    }
    return head.contains("partial_succeeded") || head.contains("partial_failed")
      || head.contains("\"b64_json\"") || head.contains("\"url\"");
  }

  /** The image's index when the head of its data still shows one; else the next index expected. */
  private int indexIn(EventData data) {
    Matcher index = IMAGE_INDEX.matcher(head(data));
    if (index.find() && index.group(1).length() < 6) {
      return Integer.parseInt(index.group(1));
    }
    return nextIndex;
  }

  private static String head(EventData data) {
    byte[] head = new byte[(int) Math.min(HEAD_BYTES, data.size())];
    data.copy(0, head, 0, head.length);
    return new String(head, StandardCharsets.UTF_8);
  }

  /** {@code [DONE]}, give or take surrounding whitespace, told from the first bytes: an image event is never decoded. */
  private static boolean isDone(EventData data) {
    if (data.size() > 64) {
      return false;
    }
    return "[DONE]".equals(data.text().strip());
  }

  /** A 200 answer with a JSON body: a relay that did not stream. Every image, then completed. */
  void acceptBody(JsonObject body) {
    if (body.getValue("error") != null) {
      fail(body.getValue("error"));
      return;
    }
    JsonArray data = body.getValue("data") instanceof JsonArray a ? a : new JsonArray();
    for (int i = 0; i < data.size() && !finished; i++) {
      JsonObject item = data.getValue(i) instanceof JsonObject o ? o : new JsonObject();
      if (item.getValue("error") != null) {
        imageFailed(i, item.getValue("error"));
      } else {
        image(i, item, null);
      }
    }
    complete(object(body, "usage", new JsonObject()));
  }

  /** The stream ended. Before a completed event that is a truncation, never a success. */
  void acceptEnd() {
    if (!finished && openAiStyleImages > 0) {
      // Variant B has no summary event; an EOF right after its images is how such relays finish.
      complete(lastUsage);
    } else if (!finished) {
      finish();
      events.onFailure(UpstreamFailure.of(ErrorCode.UPSTREAM_TRUNCATED, "the upstream stream ended before the generation completed"));
    }
  }

  private void dispatch(String type, JsonObject json, InlineImage inline) {
    switch (type) {
      case PREFIX + "partial_succeeded" -> image(imageIndex(json), json, inline);
      case PREFIX + "partial_failed" -> imageFailed(imageIndex(json), json.getValue("error"));
      case PREFIX + "completed" -> onCompletedEvent(json, inline);
      case PREFIX + "partial_image" -> {
        // Previews of an unfinished image (OpenAI style); Seedream's finished images are what users wait for.
      }
      default -> LOG.fine("ignored upstream event type " + errors.sanitise(type));
    }
  }

  private void onCompletedEvent(JsonObject json, InlineImage inline) {
    if (json.getValue("url") != null || json.getValue("b64_json") != null || inline != null) {
      openAiStyleImages++;
      lastUsage = object(json, "usage", lastUsage);
      image(nextIndex, json, inline);
    } else {
      complete(object(json, "usage", new JsonObject()));
    }
  }

  private void onDone() {
    if (openAiStyleImages > 0) {
      complete(lastUsage);
    } else {
      finish();
      events.onFailure(UpstreamFailure.of(ErrorCode.UPSTREAM_TRUNCATED, "the upstream ended the stream ([DONE]) before a completed event"));
    }
  }

  /** {@code inline} is the event's b64_json when it was read without copying; otherwise it is in {@code json}. */
  private void image(int index, JsonObject json, InlineImage inline) {
    nextIndex = Math.max(nextIndex, index + 1);
    // Upstream text like any other: an image's fields are checked for the key as its errors are.
    String url = json.getValue("url") instanceof String s ? errors.key().redact(s) : null;
    String b64 = json.getValue("b64_json") instanceof String s ? s : null;
    String size = json.getValue("size") instanceof String s ? errors.key().redact(s) : null;
    InlineImage image = inline != null ? inline : b64 == null ? null : InlineImage.parse(b64);
    String problem = unsafe(url, inline != null || b64 != null, image, imageHosts);
    if (problem != null) {
      events.onImageFailed(index, ErrorCode.UPSTREAM_PROTOCOL.wire(), problem);
      return;
    }
    handedOn = image == inline && inline != null;
    events.onImage(new GeneratedImage(index, url, image, size));
  }

  /** {@code error} as the upstream sent it: normally an object with code and message, but any JSON value is taken. */
  private void imageFailed(int index, Object error) {
    nextIndex = Math.max(nextIndex, index + 1);
    JsonObject details = error instanceof JsonObject o ? o : new JsonObject().put("message", error == null ? "" : String.valueOf(error));
    events.onImageFailed(index, errors.sanitise(UpstreamErrors.text(details, "code", "unknown_error")),
      errors.sanitise(UpstreamErrors.text(details, "message", "")));
  }

  /**
   * Fields are read by type, never cast: upstream JSON is untrusted, and one field of the wrong type must
   * cost at most its own event, not the events after it in the same chunk.
   */
  private int imageIndex(JsonObject json) {
    return json.getValue("image_index") instanceof Number n && n.doubleValue() == n.intValue() && n.intValue() >= 0
      ? n.intValue() : nextIndex;
  }

  /** The field when it is an object, with the key taken out of it: usage reaches clients as sent. */
  private JsonObject object(JsonObject json, String key, JsonObject fallback) {
    return json.getValue(key) instanceof JsonObject o ? (JsonObject) errors.key().redactJson(o) : fallback;
  }

  private void complete(JsonObject usage) {
    finish();
    events.onCompleted(usage == null ? new JsonObject() : usage);
  }

  private void fail(Object error) {
    finish();
    JsonObject object = error instanceof JsonObject o ? o : new JsonObject().put("message", String.valueOf(error));
    events.onFailure(errors.fromStreamError(object));
  }

  private void finish() {
    finished = true;
  }

  /**
   * Upstream data is untrusted: an image URL must be http(s) before it reaches a page, and inline data
   * must be a JPEG or PNG, so nothing else can be smuggled into an {@code img} or a download. When image
   * hosts are configured, a URL must also come from one of them (the page's CSP admits only those).
   */
  static String unsafe(String url, boolean hasInline, InlineImage inline, List<String> imageHosts) {
    if (url == null && !hasInline) {
      return "the upstream reported an image without url or b64_json";
    }
    if (url != null && !(url.startsWith("https://") || url.startsWith("http://"))) {
      return "the upstream sent an image URL that is not http(s); it was withheld";
    }
    if (url != null && !imageHosts.isEmpty() && imageHosts.stream().noneMatch(origin -> ImageOrigin.matches(origin, url))) {
      return "the upstream sent an image URL on a host outside SEEDSTREAM_IMAGE_HOSTS; it was withheld";
    }
    if (hasInline && (inline == null || !inline.isJpegOrPng())) {
      return "the upstream sent b64_json that is not a JPEG or PNG; it was withheld";
    }
    return null;
  }
}
