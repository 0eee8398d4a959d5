package dev.seedstream.config;

/** How the gateway reports on itself: log lines as text or as one JSON object each. */
public record ObservabilitySettings(String logFormat) {
}
