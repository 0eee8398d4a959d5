package dev.seedstream.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * An S3-compatible bucket for images, from {@code s3://bucket[/prefix][?endpoint=http://host:port&region=…&path_style=true]}.
 * Without an endpoint it is AWS itself; without a region, {@code us-east-1} (which MinIO and S3Proxy accept).
 * The credentials come from {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} in the environment
 * (null: the SDK's usual chain); {@link #toString} never shows them, so the settings can be logged.
 *
 * @param prefix the key prefix, empty or ending in {@code /}
 */
public record BlobUrl(String bucket, String prefix, URI endpoint, String region, boolean pathStyle,
                      String accessKey, String secretKey) {

  static BlobUrl parse(String source, String text, String accessKey, String secretKey) {
    URI uri;
    try {
      uri = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw invalid(source, "not a URL");
    }
    if (!"s3".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw invalid(source, "write s3://bucket/prefix");
    }
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "");
    String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
    Map<String, String> query = query(source, uri.getRawQuery());
    URI endpoint = null;
    if (query.containsKey("endpoint")) {
      endpoint = URI.create(query.remove("endpoint"));
      if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null) {
        throw invalid(source, "endpoint must be http(s)://host[:port]");
      }
    }
    String region = query.containsKey("region") ? query.remove("region") : "us-east-1";
    String pathStyle = query.containsKey("path_style") ? query.remove("path_style") : "false";
    if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
      throw invalid(source, "path_style must be true or false");
    }
    if (!query.isEmpty()) {
      throw invalid(source, "unknown parameter " + query.keySet().iterator().next()
        + " (known: endpoint, region, path_style)");
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new ConfigException(source + ": set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
    }
    return new BlobUrl(uri.getHost(), prefix, endpoint, region, Boolean.parseBoolean(pathStyle), accessKey, secretKey);
  }

  /** The object key of an image's bytes: the same {@code ab/abcd….jpeg} layout as the files, under the prefix. */
  public String key(String sha256, String format) {
    return prefix + sha256.substring(0, 2) + "/" + sha256 + "." + format;
  }

  private static Map<String, String> query(String source, String raw) {
    Map<String, String> params = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv.length != 2) {
        throw invalid(source, "each parameter needs a value");
      }
      params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return params;
  }

  private static ConfigException invalid(String source, String why) {
    return new ConfigException(source + ": " + why + "; write s3://bucket/prefix?endpoint=http://host:port&region=…"
      + "&path_style=true (credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
  }

  @Override
  public String toString() {
    return "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint);
  }
}
