package dev.seedstream.simulator;

/**
 * The upstream's wire framing (docs/upstream-protocol.md §4.2): an {@code event:} line, one
 * {@code data:} line of compact JSON, and a blank line; LF by default, CRLF when asked for.
 */
final class WireFrames {

  private final String lineEnd;

  WireFrames(boolean crlf) {
    this.lineEnd = crlf ? "\r\n" : "\n";
  }

  String event(String name, String data) {
    return "event: " + name + lineEnd + data(data);
  }

  /** A frame without an event line, as Ark sends {@code [DONE]} and fatal errors. */
  String data(String data) {
    return "data: " + data + lineEnd + lineEnd;
  }
}
