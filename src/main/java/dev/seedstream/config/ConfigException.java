package dev.seedstream.config;

/** A configuration value that cannot be used; the message names the key and the reason. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
