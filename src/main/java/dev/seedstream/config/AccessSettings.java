package dev.seedstream.config;

import java.util.List;

/**
 * Who may reach the gateway beyond the client tokens: the {@code Host} names it answers to (against DNS
 * rebinding) and the optional bearer token that guards {@code /metrics}.
 *
 * @param allowedHosts extra host names (no port) the gateway answers to, besides loopback names and the host it
 *                     listens on; {@code *} turns the check off
 * @param metricsToken when set, {@code /metrics} needs {@code Authorization: Bearer <metricsToken>}; else null
 * @param publicUrl    {@code SEEDSTREAM_PUBLIC_URL} without a trailing slash: the base of every URL the gateway hands
 *                     out, so that a front-end on another origin needs no guess; null when URLs stay relative
 */
public record AccessSettings(List<String> allowedHosts, String metricsToken, String publicUrl) {

  /** {@code path} (starting with /) as the gateway hands it out: absolute on the public URL when one is set. */
  public String link(String path) {
    return publicUrl == null ? path : publicUrl + path;
  }
}
