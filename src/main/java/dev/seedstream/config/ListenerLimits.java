package dev.seedstream.config;

/**
 * How many event-stream listeners may be attached at once: to one job, by one client, and in total.
 * Beyond the first two a client gets 429 {@code rate_limited}; beyond the total, 503 {@code overloaded}.
 */
public record ListenerLimits(int perJob, int perClient, int total) {
}
