package dev.seedstream.config;

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

  private static final String PREFIX = Setting.PREFIX;
  private static final Set<String> KEYS = java.util.Arrays.stream(Setting.values()).map(setting -> setting.key)
    .collect(java.util.stream.Collectors.toUnmodifiableSet());

  // Read from the environment only: secrets, and the name of the file itself.
  private static final Set<String> ENV_ONLY = Set.of(PREFIX + "CONFIG", PREFIX + "API_KEY", PREFIX + "TOKENS",
    PREFIX + "METRICS_TOKEN", PREFIX + "DATABASE_PASSWORD", PREFIX + "CLUSTER_SECRET");
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
    if (config.upstream().simulate() == UpstreamSettings.Simulate.FALSE && config.upstream().apiKey() == null
      && config.upstream().poolSource() == null) {
      throw new ConfigException(PREFIX + "SIMULATE=false turns the simulator off, but no upstream key is set: set "
        + PREFIX + "API_KEY (or ARK_API_KEY) or " + PREFIX + "UPSTREAMS, or let " + PREFIX + "SIMULATE be auto");
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
    for (Setting setting : Setting.values()) {
      names.add(setting.env());
    }
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
        if (key.contains("key") || key.contains("token") || key.contains("password")) {
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
      new ServerSettings(string(Setting.HOST), (int) number(Setting.PORT), Path.of(string(Setting.WEB_ROOT)),
        Path.of(string(Setting.MODELS_FILE))),
      upstream(),
      new Timeouts(number(Setting.HEARTBEAT_MS), number(Setting.CONNECT_TIMEOUT_MS), number(Setting.FIRST_EVENT_TIMEOUT_MS),
        number(Setting.IDLE_TIMEOUT_MS), number(Setting.TOTAL_TIMEOUT_MS), number(Setting.RETENTION_MS),
        number(Setting.ABANDON_MS), number(Setting.WRITE_TIMEOUT_MS), number(Setting.HEADER_TIMEOUT_MS),
        number(Setting.BODY_TIMEOUT_MS), number(Setting.DRAIN_MS)),
      new Limits((int) number(Setting.MAX_ACTIVE_JOBS), (int) number(Setting.MAX_JOBS_PER_CLIENT),
        (int) number(Setting.IMAGES_PER_MINUTE_PER_CLIENT), (int) number(Setting.MAX_EVENT_BYTES),
        number(Setting.MAX_REQUEST_BYTES), number(Setting.MAX_JSON_BYTES), (int) number(Setting.MAX_PROMPT_CHARS),
        (int) number(Setting.MAX_UPLOADS_PER_CLIENT), number(Setting.MAX_BUFFERED_BYTES),
        new ListenerLimits((int) number(Setting.MAX_LISTENERS_PER_JOB), (int) number(Setting.MAX_LISTENERS_PER_CLIENT),
          (int) number(Setting.MAX_LISTENERS))),
      new AccessSettings(secret(PREFIX + "TOKENS"), corsOrigins(), list(Setting.ALLOWED_HOSTS), metricsToken(), publicUrl()),
      store(),
      new SimulatorSettings(number(Setting.SIM_FIRST_IMAGE_DELAY_MS), number(Setting.SIM_BETWEEN_IMAGES_DELAY_MS),
        (int) number(Setting.SIM_IMAGE_SCALE)),
      new ObservabilitySettings(oneOf(Setting.LOG_FORMAT, "text", "json")),
      cluster());
  }

  /**
   * Clustered mode. The secret keeps other clusters' members out and signs event URLs on every node alike, so
   * it is required, long enough not to be guessed, and read from the environment only.
   */
  private ClusterSettings cluster() {
    if (!bool(Setting.CLUSTER)) {
      return ClusterSettings.OFF;
    }
    String secret = secret(PREFIX + "CLUSTER_SECRET");
    if (secret == null) {
      throw new ConfigException(Setting.CLUSTER.source() + " is true, but " + PREFIX + "CLUSTER_SECRET is not set: "
        + "give every node the same secret of at least " + ClusterSettings.MIN_SECRET_CHARS + " characters, in the environment");
    }
    if (secret.length() < ClusterSettings.MIN_SECRET_CHARS) {
      throw new ConfigException(PREFIX + "CLUSTER_SECRET: must be at least " + ClusterSettings.MIN_SECRET_CHARS
        + " characters (it has " + secret.length() + ")");
    }
    List<String> members = list(Setting.CLUSTER_MEMBERS);
    for (String member : members) {
      int colon = member.lastIndexOf(':');
      boolean valid = colon > 0 && member.substring(colon + 1).matches("[0-9]{1,5}")
        && Integer.parseInt(member.substring(colon + 1)) >= 1 && Integer.parseInt(member.substring(colon + 1)) <= 65535;
      if (!valid) {
        throw new ConfigException(Setting.CLUSTER_MEMBERS.source() + ": '" + member + "' is not host:port");
      }
    }
    return new ClusterSettings(true, string(Setting.CLUSTER_HOST), (int) number(Setting.CLUSTER_PORT), members, secret);
  }

  /**
   * The single upstream, or the pool when {@code SEEDSTREAM_UPSTREAMS} is set; the pool is read (and every key it
   * names looked up) now, so a missing key stops start-up with the variable's name.
   */
  private UpstreamSettings upstream() {
    String poolValue = optional(Setting.UPSTREAMS);
    UpstreamPoolSource source = poolValue == null ? null : new UpstreamPoolSource(poolValue, env);
    List<UpstreamEntry> pool = source == null ? List.of() : source.read();
    return new UpstreamSettings(apiKey(), url(Setting.UPSTREAM_URL), simulate(), (int) number(Setting.UPSTREAM_RETRIES),
      number(Setting.UPSTREAM_RETRY_MAX_DELAY_MS), imageHosts(), pool, source, (int) number(Setting.UPSTREAM_BREAKER_FAILURES),
      number(Setting.UPSTREAM_BREAKER_COOLDOWN_MS));
  }

  private StoreSettings store() {
    return new StoreSettings(
      bool(Setting.STORE_IMAGES),
      Path.of(string(Setting.DATA_DIR)),
      (int) number(Setting.STORE_CONCURRENCY),
      number(Setting.STORE_FETCH_TIMEOUT_MS),
      bool(Setting.STORE_ALLOW_PRIVATE),
      number(Setting.STORE_MAX_AGE_MS),
      number(Setting.STORE_MAX_BYTES),
      null,
      database(),
      blobs(),
      bool(Setting.BLOB_REDIRECT));
  }

  /** The S3-compatible bucket for images, when {@code SEEDSTREAM_BLOB_URL} is set; credentials from the environment only. */
  private BlobUrl blobs() {
    String url = optional(Setting.BLOB_URL);
    return url == null ? null : BlobUrl.parse(Setting.BLOB_URL.source(), url, secret("AWS_ACCESS_KEY_ID"),
      secret("AWS_SECRET_ACCESS_KEY"));
  }

  /** The PostgreSQL history, when {@code SEEDSTREAM_DATABASE_URL} is set; its password from the environment only. */
  private DatabaseUrl database() {
    String url = optional(Setting.DATABASE_URL);
    String fromEnv = env.get(Setting.DATABASE_URL.env());
    if (url != null && (fromEnv == null || fromEnv.isBlank()) && DatabaseUrl.hasPassword(url)) {
      throw new ConfigException(Setting.DATABASE_URL.source() + ": the URL in the file holds a password, which is a "
        + "secret; set SEEDSTREAM_DATABASE_PASSWORD in the environment, never in a file");
    }
    return url == null ? null : DatabaseUrl.parse(Setting.DATABASE_URL.source(), url, secret(PREFIX + "DATABASE_PASSWORD"));
  }

  /** The environment wins over the file; an empty environment value counts as unset. */
  private String raw(Setting setting) {
    String fromEnv = env.get(setting.env());
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.trim();
    }
    Object fromFile = file.getValue(setting.key);
    return fromFile == null ? null : fromFile.toString().trim();
  }

  private String string(Setting setting) {
    String value = raw(setting);
    return value == null || value.isEmpty() ? setting.fallback : value;
  }

  private String optional(Setting setting) {
    String value = string(setting);
    return value.isEmpty() ? null : value;
  }

  private long number(Setting setting) {
    String value = string(setting);
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(setting.source() + ": '" + value + "' is not a whole number");
    }
    if (parsed < setting.min || parsed > setting.max) {
      throw new ConfigException(setting.source() + ": " + parsed + " is outside [" + setting.min + ", " + setting.max + "]");
    }
    return parsed;
  }

  private String url(Setting setting) {
    String value = string(setting);
    try {
      URI uri = URI.create(value);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new ConfigException(setting.source() + ": '" + value + "' is not an http(s) URL with a host");
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(setting.source() + ": '" + value + "' is not a URL: " + e.getMessage());
    }
  }

  private String oneOf(Setting setting, String... allowed) {
    String value = string(setting).toLowerCase(Locale.ROOT);
    if (!Arrays.asList(allowed).contains(value)) {
      throw new ConfigException(setting.source() + ": '" + value + "' must be one of " + String.join(", ", allowed));
    }
    return value;
  }

  private boolean bool(Setting setting) {
    String value = string(setting).toLowerCase(Locale.ROOT);
    if (!value.equals("true") && !value.equals("false")) {
      throw new ConfigException(setting.source() + ": '" + value + "' must be true or false");
    }
    return Boolean.parseBoolean(value);
  }

  private UpstreamSettings.Simulate simulate() {
    String value = string(Setting.SIMULATE);
    try {
      return UpstreamSettings.Simulate.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(Setting.SIMULATE.source() + ": '" + value + "' must be auto, true or false");
    }
  }

  private List<String> list(Setting setting) {
    String value = optional(setting);
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
    List<String> origins = list(Setting.CORS_ORIGINS);
    for (String origin : origins) {
      if (origin.equals("*")) {
        throw new ConfigException(Setting.CORS_ORIGINS.source() + ": '*' is not accepted because the gateway allows "
          + "credentials; list each origin, such as https://app.example.com");
      }
      if (origin.equalsIgnoreCase("null")) {
        throw new ConfigException(Setting.CORS_ORIGINS.source() + ": 'null' is not accepted: sandboxed pages and local "
          + "files send it, and would get access with credentials");
      }
      if (!origin.matches("https?://[A-Za-z0-9.\\-]+(:[0-9]{1,5})?|https?://\\[[0-9A-Fa-f:.]+\\](:[0-9]{1,5})?")) {
        throw new ConfigException(Setting.CORS_ORIGINS.source() + ": '" + origin + "' is not an origin; write "
          + "scheme://host[:port] with no path or trailing slash");
      }
    }
    return origins;
  }

  /** A secret from the environment only; files are refused such keys (see {@link #readFile}). */
  private String secret(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** Image origins for the CSP and the URL check: {@code https://host}, {@code https://*.suffix} or a bare host. */
  private List<String> imageHosts() {
    List<String> hosts = list(Setting.IMAGE_HOSTS).stream().map(ImageOrigin::normalise).toList();
    for (String host : hosts) {
      if (host == null) {
        throw new ConfigException(Setting.IMAGE_HOSTS.source() + ": each entry must be [http(s)://]host[:port] or [https://]*.domain");
      }
    }
    return hosts;
  }

  /** The base URL clients reach the gateway at, when it differs from a relative link on the gateway's origin. */
  private String publicUrl() {
    String value = optional(Setting.PUBLIC_URL);
    if (value == null) {
      return null;
    }
    String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    try {
      URI uri = URI.create(trimmed);
      boolean web = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      if (!web || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null) {
        throw new ConfigException(Setting.PUBLIC_URL.source() + ": '" + value + "' must be an http(s) URL such as "
          + "https://images.example.com or https://example.com/seedstream, without query or fragment");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(Setting.PUBLIC_URL.source() + ": '" + value + "' is not a URL: " + e.getMessage());
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
