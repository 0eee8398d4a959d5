package dev.seedstream.config;

/**
 * What the gateway bounds, so that no client, upstream or request can exhaust it.
 *
 * @param maxEventBytes       one upstream event
 * @param maxRequestBytes     a request body, inline images included
 * @param maxJsonBytes        a JSON body's bytes outside inline {@code data:} images
 * @param maxPromptChars      a prompt's length in characters (the catalogue's guidance warns far earlier)
 * @param maxUploadsPerClient uploads one client may have in flight at once
 * @param maxBufferedBytes    event bytes held for replay, in total
 * @param listeners           event-stream listeners per job, per client and in total
 */
public record Limits(int maxActiveJobs, int maxJobsPerClient, int imagesPerMinutePerClient, int maxEventBytes,
                     long maxRequestBytes, long maxJsonBytes, int maxPromptChars, int maxUploadsPerClient,
                     long maxBufferedBytes, ListenerLimits listeners) {
}
