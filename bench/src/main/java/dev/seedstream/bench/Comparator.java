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

  /**
   * A gateway's /v1. {@code profile} names the gateway when the bench runs several: "seedstream" is the default
   * profile (the README's run command), "tuned" the hand-picked flags with the store off, "nostore" the default
   * profile with the store off.
   */
  static Comparator seedstreamV1(String profile, String label, int port, ProcessProbe relay) {
    return new Comparator(profile + "_v1", label + " /v1", port, FakeUpstream.PATH, false, relay);
  }

  static Comparator seedstreamApi(String profile, String label, int port, ProcessProbe relay) {
    return new Comparator(profile + "_api", label + " /api", port, "/api/generations", true, relay);
  }

  boolean isDirect() {
    return relay == null;
  }

  /** Any of the gateways, whatever its profile. */
  boolean isSeedstream() {
    return relay != null && !name.equals("nginx");
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
