package dev.seedstream.config;

/** The embedded simulator's pace and picture size: images are drawn at 1/{@code imageScale} of the size asked. */
public record SimulatorSettings(long firstImageDelayMs, long betweenImagesDelayMs, int imageScale) {
}
