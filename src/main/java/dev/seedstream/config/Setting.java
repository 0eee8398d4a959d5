package dev.seedstream.config;

import java.util.Locale;

/**
 * Every setting that {@code conf/config.json} or {@code SEEDSTREAM_<KEY>} can give, with its default and range
 * written here once. {@link ConfigLoader} reads each through this table, and a test checks that the checked-in
 * {@code conf/config.json} and the README's configuration table state the same defaults. Secrets (the API key,
 * client tokens, the metrics token) are not here: they come from the environment only.
 */
enum Setting {
  HOST("host", "127.0.0.1"),
  PORT("port", 8080, 0, 65535),
  UPSTREAM_URL("upstream_url", "https://www.dmxapi.cn/v1/images/generations"),
  SIMULATE("simulate", "auto"),
  HEARTBEAT_MS("heartbeat_ms", 15000, 100, 3_600_000),
  CONNECT_TIMEOUT_MS("connect_timeout_ms", 10000, 1, 600_000),
  FIRST_EVENT_TIMEOUT_MS("first_event_timeout_ms", 180000, 1, 3_600_000),
  IDLE_TIMEOUT_MS("idle_timeout_ms", 180000, 1, 3_600_000),
  TOTAL_TIMEOUT_MS("total_timeout_ms", 900000, 1, 24 * 3_600_000L),
  RETENTION_MS("retention_ms", 600000, 0, 7 * 24 * 3_600_000L),
  ABANDON_MS("abandon_ms", 30000, 1, 3_600_000),
  WRITE_TIMEOUT_MS("write_timeout_ms", 60000, 1, 3_600_000),
  MAX_ACTIVE_JOBS("max_active_jobs", 256, 1, 100_000),
  MAX_JOBS_PER_CLIENT("max_jobs_per_client", 32, 1, 100_000),
  DRAIN_MS("drain_ms", 25000, 0, 3_600_000),
  CORS_ORIGINS("cors_origins", ""),
  MAX_EVENT_BYTES("max_event_bytes", 32L << 20, 1024, 1L << 30),
  MAX_REQUEST_BYTES("max_request_bytes", 64L << 20, 1024, 1L << 31),
  MAX_BUFFERED_BYTES("max_buffered_bytes", 1L << 30, 1 << 20, 1L << 40),
  UPSTREAM_RETRIES("upstream_retries", 2, 0, 10),
  UPSTREAM_RETRY_MAX_DELAY_MS("upstream_retry_max_delay_ms", 10000, 0, 600_000),
  UPSTREAMS("upstreams", ""),
  UPSTREAM_BREAKER_FAILURES("upstream_breaker_failures", 5, 1, 1000),
  UPSTREAM_BREAKER_COOLDOWN_MS("upstream_breaker_cooldown_ms", 30000, 1, 3_600_000),
  LOG_FORMAT("log_format", "text"),
  MODELS_FILE("models_file", "conf/models.json"),
  WEB_ROOT("web_root", "web"),
  SIM_FIRST_IMAGE_DELAY_MS("sim_first_image_delay_ms", 3000, 0, 600_000),
  SIM_BETWEEN_IMAGES_DELAY_MS("sim_between_images_delay_ms", 2500, 0, 600_000),
  SIM_IMAGE_SCALE("sim_image_scale", 4, 1, 64),
  // The upstream allows 500 images per minute per account; one client alone may use all of it.
  IMAGES_PER_MINUTE_PER_CLIENT("images_per_minute_per_client", 500, 1, 1_000_000),
  IMAGE_HOSTS("image_hosts", ""),
  HEADER_TIMEOUT_MS("header_timeout_ms", 10000, 100, 600_000),
  BODY_TIMEOUT_MS("body_timeout_ms", 120000, 100, 3_600_000),
  STORE_IMAGES("store_images", "true"),
  DATA_DIR("data_dir", "data"),
  STORE_CONCURRENCY("store_concurrency", 4, 1, 256),
  STORE_FETCH_TIMEOUT_MS("store_fetch_timeout_ms", 60000, 1, 3_600_000),
  STORE_ALLOW_PRIVATE("store_allow_private", "false"),
  STORE_MAX_AGE_MS("store_max_age_ms", 0, 0, Long.MAX_VALUE),
  STORE_MAX_BYTES("store_max_bytes", 0, 0, Long.MAX_VALUE),
  DATABASE_URL("database_url", ""),
  BLOB_URL("blob_url", ""),
  BLOB_REDIRECT("blob_redirect", "false"),
  MAX_JSON_BYTES("max_json_bytes", 1L << 20, 1024, 1L << 30),
  MAX_PROMPT_CHARS("max_prompt_chars", 4000, 1, 1_000_000),
  MAX_UPLOADS_PER_CLIENT("max_uploads_per_client", 4, 1, 1000),
  MAX_LISTENERS_PER_JOB("max_listeners_per_job", 4000, 1, 1_000_000),
  MAX_LISTENERS_PER_CLIENT("max_listeners_per_client", 10000, 1, 1_000_000),
  MAX_LISTENERS("max_listeners", 20000, 1, 1_000_000),
  ALLOWED_HOSTS("allowed_hosts", ""),
  PUBLIC_URL("public_url", ""),
  CLUSTER("cluster", "false"),
  CLUSTER_HOST("cluster_host", "127.0.0.1"),
  CLUSTER_PORT("cluster_port", 5701, 1, 65535),
  CLUSTER_MEMBERS("cluster_members", "");

  static final String PREFIX = "SEEDSTREAM_";

  /** The key in {@code conf/config.json}; the environment variable is {@code SEEDSTREAM_} and its upper case. */
  final String key;
  /** The default as text, as the README states it; {@code ""} means unset. */
  final String fallback;
  final long min;
  final long max;

  Setting(String key, String fallback) {
    this(key, fallback, 0, 0);
  }

  Setting(String key, long fallback, long min, long max) {
    this(key, Long.toString(fallback), min, max);
  }

  Setting(String key, String fallback, long min, long max) {
    this.key = key;
    this.fallback = fallback;
    this.min = min;
    this.max = max;
  }

  String env() {
    return PREFIX + key.toUpperCase(Locale.ROOT);
  }

  /** How a message names it: the variable and the file key. */
  String source() {
    return env() + " (" + key + ")";
  }

  boolean numeric() {
    return min != 0 || max != 0;
  }
}
