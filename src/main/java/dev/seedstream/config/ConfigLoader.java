package dev.seedstream.config;

import dev.seedstream.access.ClientTokens;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code conf/config.json} (or the file named by {@code SEEDSTREAM_CONFIG}) and lets every key be
 * overridden by the environment variable {@code SEEDSTREAM_<KEY>}. A bad value stops start-up with a
 * {@link ConfigException} that names the key and the reason.
 */
public final class ConfigLoader {

  private static final String PREFIX = "SEEDSTREAM_";
  private static final Set<String> KEYS = Set.of("host", "port", "upstream_url", "simulate", "heartbeat_ms",
    "connect_timeout_ms", "first_event_timeout_ms", "idle_timeout_ms", "total_timeout_ms", "retention_ms",
    "abandon_ms", "write_timeout_ms", "max_active_jobs", "max_jobs_per_client", "drain_ms", "tokens", "cors_origins",
    "max_event_bytes", "max_request_bytes", "max_buffered_bytes", "upstream_retries",
    "upstream_retry_max_delay_ms", "log_format", "models_file", "web_root", "sim_first_image_delay_ms",
    "sim_between_images_delay_ms", "sim_image_scale", "images_per_minute_per_client", "image_hosts",
    "header_timeout_ms", "body_timeout_ms", "store_images", "data_dir", "store_concurrency",
    "store_fetch_timeout_ms", "store_allow_private", "store_max_age_ms", "store_max_bytes", "max_json_bytes",
    "max_prompt_chars", "max_uploads_per_client", "max_listeners_per_job", "max_listeners_per_client", "max_listeners",
    "allowed_hosts", "public_url");

  // Read from the environment only: secrets, and the name of the file itself.
  private static final Set<String> ENV_ONLY = Set.of(PREFIX + "CONFIG", PREFIX + "API_KEY", PREFIX + "TOKENS",
    PREFIX + "METRICS_TOKEN");
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(ConfigLoader.class.getName());

  private final JsonObject file;
  private final Map<String, String> env;

  private ConfigLoader(JsonObject file, Map<String, String> env) {
    this.file = file;
    this.env = env;
  }

  /** Loads from the process environment. */
  public static GatewayConfig load() {
    return load(System.getenv());
  }

  public static GatewayConfig load(Map<String, String> env) {
    Path path = Path.of(env.getOrDefault(PREFIX + "CONFIG", "conf/config.json"));
    unknownSettings(env).forEach(LOG::warning);
    GatewayConfig config = new ConfigLoader(readFile(path), env).build();
    if (config.simulate() == GatewayConfig.Simulate.FALSE && config.apiKey() == null) {
      throw new ConfigException(PREFIX + "SIMULATE=false turns the simulator off, but no upstream key is set: set "
        + PREFIX + "API_KEY (or ARK_API_KEY), or let " + PREFIX + "SIMULATE be auto");
    }
    return config;
  }

  /**
   * A warning for every {@code SEEDSTREAM_*} variable the gateway does not read, naming the closest one it
   * does: a typo such as {@code SEEDSTREAM_MAX_JOB_PER_CLIENT} would otherwise leave the default in force
   * without a word.
   */
  static List<String> unknownSettings(Map<String, String> env) {
    Set<String> known = knownVariables();
    return env.keySet().stream()
      .filter(name -> name.startsWith(PREFIX) && !known.contains(name))
      .sorted()
      .map(name -> "ignoring " + name + ": the gateway has no such setting; did you mean " + closest(name, known) + "?")
      .toList();
  }

  private static Set<String> knownVariables() {
    Set<String> names = new java.util.TreeSet<>();
    KEYS.forEach(key -> names.add(PREFIX + key.toUpperCase(Locale.ROOT)));
    names.addAll(ENV_ONLY);
    return names;
  }

  private static String closest(String name, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = editDistance(name, candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
  static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static JsonObject readFile(Path path) {
    try {
      JsonObject json = new JsonObject(Files.readString(path));
      for (String key : json.fieldNames()) {
        if (key.contains("key") || key.equals("tokens")) {
          throw new ConfigException(path + ": '" + key + "' is a secret; set it in the environment, never in a file");
        }
        if (!KEYS.contains(key)) {
          throw new ConfigException(path + ": unknown key '" + key + "'");
        }
      }
      return json;
    } catch (IOException e) {
      throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
    } catch (DecodeException e) {
      throw new ConfigException("configuration file " + path + " is not valid JSON: " + e.getMessage());
    }
  }

  private GatewayConfig build() {
    return new GatewayConfig(
      string("host", "127.0.0.1"),
      (int) number("port", 8080, 0, 65535),
      apiKey(),
      url("upstream_url", "https://www.dmxapi.cn/v1/images/generations"),
      simulate(),
      number("heartbeat_ms", 15000, 100, 3_600_000),
      number("connect_timeout_ms", 10000, 1, 600_000),
      number("first_event_timeout_ms", 180000, 1, 3_600_000),
      number("idle_timeout_ms", 180000, 1, 3_600_000),
      number("total_timeout_ms", 900000, 1, 24 * 3_600_000L),
      number("retention_ms", 600000, 0, 7 * 24 * 3_600_000L),
      number("abandon_ms", 30000, 1, 3_600_000),
      number("write_timeout_ms", 60000, 1, 3_600_000),
      (int) number("max_active_jobs", 256, 1, 100_000),
      (int) number("max_jobs_per_client", 32, 1, 100_000),
      number("drain_ms", 25000, 0, 3_600_000),
      tokens(),
      corsOrigins(),
      (int) number("max_event_bytes", 32L << 20, 1024, 1L << 30),
      number("max_request_bytes", 64L << 20, 1024, 1L << 31),
      number("max_buffered_bytes", 1L << 30, 1 << 20, 1L << 40),
      (int) number("upstream_retries", 2, 0, 10),
      number("upstream_retry_max_delay_ms", 10000, 0, 600_000),
      oneOf("log_format", "text", "text", "json"),
      Path.of(string("models_file", "conf/models.json")),
      Path.of(string("web_root", "web")),
      number("sim_first_image_delay_ms", 3000, 0, 600_000),
      number("sim_between_images_delay_ms", 2500, 0, 600_000),
      (int) number("sim_image_scale", 4, 1, 64),
      // The upstream allows 500 images per minute per account; one client alone may use all of it.
      (int) number("images_per_minute_per_client", 500, 1, 1_000_000),
      imageHosts(),
      number("header_timeout_ms", 10000, 100, 600_000),
      number("body_timeout_ms", 120000, 100, 3_600_000),
      store(),
      new RequestLimits(
        number("max_json_bytes", 1L << 20, 1024, 1L << 30),
        (int) number("max_prompt_chars", 4000, 1, 1_000_000),
        (int) number("max_uploads_per_client", 4, 1, 1000)),
      new ListenerLimits(
        (int) number("max_listeners_per_job", 4000, 1, 1_000_000),
        (int) number("max_listeners_per_client", 10000, 1, 1_000_000),
        (int) number("max_listeners", 20000, 1, 1_000_000)),
      new AccessSettings(list("allowed_hosts"), metricsToken(), publicUrl()));
  }

  private StoreSettings store() {
    return new StoreSettings(
      bool("store_images", true),
      Path.of(string("data_dir", "data")),
      (int) number("store_concurrency", 4, 1, 256),
      number("store_fetch_timeout_ms", 60000, 1, 3_600_000),
      bool("store_allow_private", false),
      number("store_max_age_ms", 0, 0, Long.MAX_VALUE),
      number("store_max_bytes", 0, 0, Long.MAX_VALUE),
      null);
  }

  /** The environment wins over the file; an empty environment value counts as unset. */
  private String raw(String key) {
    String fromEnv = env.get(PREFIX + key.toUpperCase(Locale.ROOT));
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    Object fromFile = file.getValue(key);
    return fromFile == null ? null : fromFile.toString().trim();
  }

  private static String source(String key) {
    return PREFIX + key.toUpperCase(Locale.ROOT) + " (" + key + ")";
  }

  private String string(String key, String fallback) {
    String value = raw(key);
    return value == null || value.isEmpty() ? fallback : value;
  }

  private String optional(String key) {
    String value = raw(key);
    return value == null || value.isEmpty() ? null : value;
  }

  private long number(String key, long fallback, long min, long max) {
    String value = raw(key);
    if (value == null || value.isEmpty()) {
      return fallback;
    }
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(source(key) + ": '" + value + "' is not a whole number");
    }
    if (parsed < min || parsed > max) {
      throw new ConfigException(source(key) + ": " + parsed + " is outside [" + min + ", " + max + "]");
    }
    return parsed;
  }

  private String url(String key, String fallback) {
    String value = string(key, fallback);
    try {
      URI uri = URI.create(value);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new ConfigException(source(key) + ": '" + value + "' is not an http(s) URL with a host");
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source(key) + ": '" + value + "' is not a URL: " + e.getMessage());
    }
  }

  private String oneOf(String key, String fallback, String... allowed) {
    String value = string(key, fallback).toLowerCase(Locale.ROOT);
    if (!Arrays.asList(allowed).contains(value)) {
      throw new ConfigException(source(key) + ": '" + value + "' must be one of " + String.join(", ", allowed));
    }
    return value;
  }

  private boolean bool(String key, boolean fallback) {
    String value = string(key, String.valueOf(fallback)).toLowerCase(Locale.ROOT);
    if (!value.equals("true") && !value.equals("false")) {
      throw new ConfigException(source(key) + ": '" + value + "' must be true or false");
    }
    return Boolean.parseBoolean(value);
  }

  private GatewayConfig.Simulate simulate() {
    String value = string("simulate", "auto");
    try {
      return GatewayConfig.Simulate.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source("simulate") + ": '" + value + "' must be auto, true or false");
    }
  }

  private List<String> list(String key) {
    String value = optional(key);
    return value == null ? List.of()
      : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Origins are compared exactly with the browser's {@code Origin} header, and credentials are allowed, so each
   * must be a plain {@code scheme://host[:port]}. {@code null} is refused: sandboxed frames and local files send
   * it, and would get credentialed access. {@code *} is refused for the same reason: with credentials the
   * gateway could honour it only by reflecting every origin, which is no restriction at all.
   */
  private List<String> corsOrigins() {
    List<String> origins = list("cors_origins");
    for (String origin : origins) {
      if (origin.equals("*")) {
        throw new ConfigException(source("cors_origins") + ": '*' is not accepted because the gateway allows "
          + "credentials; list each origin, such as https://app.example.com");
      }
      if (origin.equalsIgnoreCase("null")) {
        throw new ConfigException(source("cors_origins") + ": 'null' is not accepted: sandboxed pages and local "
          + "files send it, and would get access with credentials");
      }
      if (!origin.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?")) {
        throw new ConfigException(source("cors_origins") + ": '" + origin + "' is not an origin; write "
          + "scheme://host[:port] with no path or trailing slash");
      }
    }
    return origins;
  }

  /** Parsed once here so that a malformed token list stops start-up; the gateway parses it again to use it. */
  private String tokens() {
    String value = optional("tokens");
    if (value != null) {
      ClientTokens.parse(value);
    }
    return value;
  }

  /** Image origins for the CSP and the URL check: {@code https://host}, {@code https://*.suffix} or a bare host. */
  private List<String> imageHosts() {
    List<String> hosts = list("image_hosts").stream().map(ImageOrigin::normalise).toList();
    for (String host : hosts) {
      if (host == null) {
        throw new ConfigException(source("image_hosts") + ": each entry must be [http(s)://]host[:port] or [https://]*.domain");
      }
    }
    return hosts;
  }

  /** The base URL clients reach the gateway at, when it differs from a relative link on the gateway's origin. */
  private String publicUrl() {
    String value = optional("public_url");
    if (value == null) {
      return null;
    }
    String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    try {
      URI uri = URI.create(trimmed);
      boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      if (!web || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
        throw new ConfigException(source("public_url") + ": '" + value + "' must be an http(s) URL such as "
          + "https://images.example.com or https://example.com/seedstream, without query or fragment");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(source("public_url") + ": '" + value + "' is not a URL: " + e.getMessage());
    }
    return trimmed;
  }

  /** A secret like the API key: from the environment only, and long enough not to be guessed. */
  private String metricsToken() {
    String value = env.get(PREFIX + "METRICS_TOKEN");
    if (value == null || value.isBlank()) {
      return null;
    }
    if (value.trim().length() < 16) {
      throw new ConfigException(PREFIX + "METRICS_TOKEN: must be at least 16 characters");
    }
    return value.trim();
  }

  /** The seed names the key ARK_API_KEY; ours wins when both are set. Secrets never come from the file. */
  private String apiKey() {
    for (String name : List.of(PREFIX + "API_KEY", "ARK_API_KEY")) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return value.trim();
      }
    }
    return null;
  }
}
