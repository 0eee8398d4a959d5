package dev.seedstream.sse;

/**
 * One dispatched server-sent event.
 *
 * @param id the {@code id:} value seen in this event, or null when the event carried none
 * @param event the {@code event:} value, or null when the event had no {@code event:} line
 * @param data the event's {@code data:} lines joined with {@code "\n"}
 */
public record SseEvent(String id, String event, String data) {
}
