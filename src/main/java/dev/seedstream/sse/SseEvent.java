package dev.seedstream.sse;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One dispatched server-sent event. Its data stays in the UTF-8 bytes it arrived in ({@link EventData}):
 * a multi-megabyte image event is parsed from those bytes and relayed out of them, never turned into a
 * String on the way. The event owns its data until a consumer keeps it or releases it.
 */
public final class SseEvent {

  private final String id;
  private final String event;
  private final EventData data;

  /**
   * @param id the {@code id:} value seen in this event, or null when the event carried none
   * @param event the {@code event:} value, or null when the event had no {@code event:} line
   * @param data the event's {@code data:} lines joined with {@code "\n"}, as UTF-8
   */
  public SseEvent(String id, String event, EventData data) {
    this.id = id;
    this.event = event;
    this.data = Objects.requireNonNull(data, "data");
  }

  public SseEvent(String id, String event, String data) {
    this(id, event, EventData.of(data.getBytes(StandardCharsets.UTF_8)));
  }

  public String id() {
    return id;
  }

  public String event() {
    return event;
  }

  /** The data as text; malformed UTF-8 becomes U+FFFD. Decodes on every call: large events should use {@link #payload()}. */
  public String data() {
    return data.text();
  }

  /** The data's bytes themselves. */
  public EventData payload() {
    return data;
  }

  /** Events are equal when their text is: data is text, and malformed bytes read as U+FFFD either way. */
  @Override
  public boolean equals(Object o) {
    return o instanceof SseEvent other && Objects.equals(id, other.id) && Objects.equals(event, other.event)
      && data().equals(other.data());
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, event, data());
  }

  @Override
  public String toString() {
    String shown = data.size() <= 256 ? data() : data.size() + " bytes";
    return "SseEvent[id=" + id + ", event=" + event + ", data=" + shown + "]";
  }
}
