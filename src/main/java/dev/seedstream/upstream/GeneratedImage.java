package dev.seedstream.upstream;

/** One finished image as the upstream described it: a URL, inline base64 JPEG/PNG, or both. */
public record GeneratedImage(int index, String url, InlineImage b64Json, String size) {
}
