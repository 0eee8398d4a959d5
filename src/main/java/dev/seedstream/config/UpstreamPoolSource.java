package dev.seedstream.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where the upstream pool comes from ({@code SEEDSTREAM_UPSTREAMS}): a JSON file, or inline JSON when the value
 * starts with {@code &#123;}. Keys are never in it: each entry names the environment variable ({@code key_env})
 * or the file ({@code key_file}, which a secret store can rewrite in place) holding its key. {@link #read()}
 * reads it again each time, so a reload picks up an edited pool and rotated keys.
 * <p>
 * The environment is the one the gateway was configured with; a reload may pass another (a process's own
 * environment never changes, so in production a rotated key arrives through {@code key_file} or by pointing
 * {@code key_env} at another variable).
 */
public final class UpstreamPoolSource {

  private static final Set<String> FIELDS = Set.of("name", "url", "key_env", "key_file", "priority", "weight", "models",
    "max_concurrency", "images_per_minute");

  private final String value;
  private final Map<String, String> env;

  public UpstreamPoolSource(String value, Map<String, String> env) {
    this.value = value.trim();
    this.env = Map.copyOf(env);
  }

  /** The same pool definition, with keys looked up in {@code otherEnv}. */
  public UpstreamPoolSource withEnv(Map<String, String> otherEnv) {
    return new UpstreamPoolSource(value, otherEnv);
  }

  /** The file to watch for changes, or null when the pool is inline. */
  public Path file() {
    return value.startsWith("{") ? null : Path.of(value);
  }

  /** Reads and checks the pool; blocking (it may read files), so never on an event loop. */
  public List<UpstreamEntry> read() {
    String where = file() == null ? "SEEDSTREAM_UPSTREAMS" : "SEEDSTREAM_UPSTREAMS file " + file();
    JsonObject json;
    try {
      json = new JsonObject(file() == null ? value : Files.readString(file()));
    } catch (IOException e) {
      throw new ConfigException("cannot read " + where + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException(where + " is not valid JSON: " + e.getMessage());
    }
    Object list = json.getValue("upstreams");
    if (!(list instanceof JsonArray array) || array.isEmpty() || json.size() != 1) {
      throw new ConfigException(where + ": expected {\"upstreams\": [ … ]} with at least one upstream and nothing else");
    }
    List<UpstreamEntry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject entry)) {
        throw new ConfigException(where + ": upstream " + i + " is not an object");
      }
      UpstreamEntry parsed = entry(where + ": upstream " + i, entry);
      if (!names.add(parsed.name())) {
        throw new ConfigException(where + ": the name '" + parsed.name() + "' is used twice");
      }
      entries.add(parsed);
    }
    return List.copyOf(entries);
  }

  private UpstreamEntry entry(String where, JsonObject entry) {
    for (String field : entry.fieldNames()) {
      if (!FIELDS.contains(field)) {
        throw new ConfigException(where + ": unknown field '" + field + "'" + (field.contains("key")
          ? " (keys never go in the pool: name the variable holding it with key_env)" : ""));
      }
    }
    String name = text(where, entry, "name");
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ConfigException(where + ": 'name' is required: 1 to 64 letters, digits, '.', '_' or '-' (it labels metrics)");
    }
    where = where + " (" + name + ")";
    String url = text(where, entry, "url");
    if (url == null || !isHttpUrl(url)) {
      throw new ConfigException(where + ": 'url' is required, an http(s) URL with a host");
    }
    String keyEnv = text(where, entry, "key_env");
    String keyFile = text(where, entry, "key_file");
    if ((keyEnv == null) == (keyFile == null)) {
      throw new ConfigException(where + ": name the key with exactly one of 'key_env' (an environment variable) or 'key_file'");
    }
    String key = keyEnv != null ? fromEnv(where, keyEnv) : fromFile(where, keyFile);
    List<String> models = new ArrayList<>();
    Object listed = entry.getValue("models");
    if (listed != null) {
      if (!(listed instanceof JsonArray array) || array.isEmpty() || !array.stream().allMatch(String.class::isInstance)) {
        throw new ConfigException(where + ": 'models' must be a non-empty array of model names (leave it out for every model)");
      }
      array.forEach(model -> models.add((String) model));
    }
    return new UpstreamEntry(name, url, keyEnv != null ? "env " + keyEnv : "file " + keyFile, key,
      number(where, entry, "priority", 0, 0, 1000), number(where, entry, "weight", 1, 1, 1000), List.copyOf(models),
      number(where, entry, "max_concurrency", 0, 1, 100_000), number(where, entry, "images_per_minute", 0, 1, 1_000_000));
  }

  private String fromEnv(String where, String variable) {
    String key = env.get(variable);
    if (key == null || key.isBlank()) {
      throw new ConfigException(where + ": key_env names " + variable + ", which is not set");
    }
    return key.trim();
  }

  private static String fromFile(String where, String path) {
    try {
      String key = Files.readString(Path.of(path)).trim();
      if (key.isEmpty()) {
        throw new ConfigException(where + ": key_file " + path + " is empty");
      }
      return key;
    } catch (IOException e) {
      throw new ConfigException(where + ": cannot read key_file " + path + ": " + e.getClass().getSimpleName());
    }
  }

  private static String text(String where, JsonObject entry, String field) {
    Object value = entry.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw new ConfigException(where + ": '" + field + "' must be a string");
    }
    String text = (String) value;
    return text == null || text.isBlank() ? null : text.trim();
  }

  private static int number(String where, JsonObject entry, String field, int absent, int min, int max) {
    Object value = entry.getValue(field);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min || ((Number) value).longValue() > max) {
      throw new ConfigException(where + ": '" + field + "' must be a whole number in [" + min + ", " + max + "]");
    }
    return ((Number) value).intValue();
  }

  private static boolean isHttpUrl(String value) {
    try {
      URI uri = URI.create(value);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return file() == null ? "inline pool" : "pool file " + file();
  }
}
