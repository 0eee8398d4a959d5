package dev.seedstream.failure;

/**
 * One broken rule: the JSON path of the offending field ({@code image[3]},
 * {@code sequential_image_generation_options.max_images}) and a sentence a user can act on.
 */
public record Violation(String field, String message) {
}
