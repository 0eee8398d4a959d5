package dev.seedstream.config;

import java.nio.file.Path;

/** Where the gateway listens and what it serves from disk: the page's folder and the model catalogue. */
public record ServerSettings(String host, int port, Path webRoot, Path modelsFile) {
}
