package dev.seedstream.config;

/**
 * Bounds on what one client's request may make the gateway hold or do, so that no single request can
 * stall the event loop or exhaust memory.
 *
 * @param maxJsonBytes        a JSON body's bytes outside inline {@code data:} images (those are bounded per image
 *                            by the catalogue and in total by {@code max_request_bytes})
 * @param maxPromptChars      hard cap on a prompt's length in characters (the catalogue's guidance warns far earlier)
 * @param maxUploadsPerClient uploads one client may have in flight at once
 */
public record RequestLimits(long maxJsonBytes, int maxPromptChars, int maxUploadsPerClient) {
}
