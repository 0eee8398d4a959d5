package dev.seedstream.store;

/**
 * Money and images a job counts against its owner's budget, as the history keeps them: its worst case while
 * it runs (reserved when it was admitted), what it actually cost once it is over. {@code currency} and
 * {@code micros} (millionths of the currency) are null when the model has no price.
 */
public record Spend(String currency, Long micros, long images) {
}
