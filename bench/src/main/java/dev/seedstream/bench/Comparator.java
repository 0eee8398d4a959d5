package dev.seedstream.bench;

import io.vertx.core.json.JsonObject;

/**
 * One way from the load client to the fake upstream. {@code relay} is the process doing the hop (null for
 * direct), whose CPU and memory the scenarios read.
 *
 * @param jobApi true for Seedstream's /api job stream, whose request and framing differ from the upstream's
 */
record Comparator(String name, String label, int port, String path, boolean jobApi, ProcessProbe relay) {

  static final String MODEL = "doubao-seedream-4-0-250828";

  static Comparator direct(int port) {
    return new Comparator("direct", "direct (no hop)", port, FakeUpstream.PATH, false, null);
  }

  static Comparator nginx(int port, ProcessProbe relay) {
    return new Comparator("nginx", "nginx pass-through", port, FakeUpstream.PATH, false, relay);
  }

  static Comparator seedstreamV1(int port, ProcessProbe relay) {
    return new Comparator("seedstream_v1", "Seedstream /v1", port, FakeUpstream.PATH, false, relay);
  }

  static Comparator seedstreamApi(int port, ProcessProbe relay) {
    return new Comparator("seedstream_api", "Seedstream /api", port, "/api/generations", true, relay);
  }

  boolean isDirect() {
    return relay == null;
  }

  boolean isSeedstream() {
    return name.startsWith("seedstream");
  }

  /** A body every path accepts: the upstream's own fields; /api forces stream:true itself. */
  String body(StreamProfile profile) {
    JsonObject body = new JsonObject().put("model", MODEL).put("prompt", profile.toPrompt())
      .put("size", "2048x2048").put("watermark", false)
      .put("response_format", profile.payloadBytes() > 0 ? "b64_json" : "url");
    if (!jobApi) {
      body.put("stream", true);
    }
    return body.encode();
  }
}
