package dev.seedstream.store;

/**
 * One owner's spending in one currency ({@code null}: jobs of unpriced models, which count images only):
 * since the start of a month ({@code micros}, {@code images}) and, within it, of a day.
 */
public record OwnerSpend(String owner, String currency, long micros, long images, long dayMicros, long dayImages) {
}
