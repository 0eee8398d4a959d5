package dev.seedstream.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the fake upstream should send on one stream. It travels inside the request's {@code prompt}: the
 * prompt is the one free-text field every relay (nginx, Seedstream /v1 and /api) forwards verbatim, so the
 * same request body drives the fake upstream through every comparator without extra headers or endpoints.
 *
 * @param events       image events to send
 * @param intervalMs   time between two image events
 * @param phaseMs      delay before the first image event (spreads streams evenly over an interval)
 * @param payloadBytes length of the {@code b64_json} text per image; 0 sends a URL only
 * @param hold         keep the stream open after the images until the fake upstream is told to release it
 */
record StreamProfile(int events, long intervalMs, long phaseMs, int payloadBytes, boolean hold) {

  private static final Pattern KNOB = Pattern.compile("(\\w+)=(\\S+)");

  static StreamProfile held() {
    return new StreamProfile(0, 0, 0, 0, true);
  }

  StreamProfile withPhase(long phase) {
    return new StreamProfile(events, intervalMs, phase, payloadBytes, hold);
  }

  String toPrompt() {
    return "seedstream bench stream: events=" + events + " interval_ms=" + intervalMs + " phase_ms=" + phaseMs
      + " payload_bytes=" + payloadBytes + " hold=" + hold;
  }

  static StreamProfile fromPrompt(String prompt) {
    Map<String, String> knobs = new HashMap<>();
    Matcher m = KNOB.matcher(prompt == null ? "" : prompt);
    while (m.find()) {
      knobs.put(m.group(1), m.group(2));
    }
    return new StreamProfile(
      Integer.parseInt(knobs.getOrDefault("events", "1")),
      Long.parseLong(knobs.getOrDefault("interval_ms", "0")),
      Long.parseLong(knobs.getOrDefault("phase_ms", "0")),
      Integer.parseInt(knobs.getOrDefault("payload_bytes", "0")),
      Boolean.parseBoolean(knobs.getOrDefault("hold", "false")));
  }
}
