package dev.seedstream.simulator;

/**
 * One finished image as the upstream reports it: its slot, its size and either a signed URL
 * ({@code field} = {@code url}) or the base64 JPEG ({@code field} = {@code b64_json}).
 */
record FinishedImage(int index, ImageSize size, String field, String value) {
}
