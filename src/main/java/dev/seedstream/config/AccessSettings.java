package dev.seedstream.config;

import java.util.List;

/**
 * Who may use the gateway and how it is reached: client tokens, browser origins, the {@code Host} names it
 * answers to (against DNS rebinding), the token that guards {@code /metrics}, and the public base URL.
 *
 * @param tokens       {@code SEEDSTREAM_TOKENS} as given (environment only; parsed once, by the gateway), or null
 * @param corsOrigins  browser origins allowed to call the gateway, compared exactly
 * @param allowedHosts extra host names (no port) the gateway answers to, besides loopback names and the host it
 *                     listens on; {@code *} turns the check off
 * @param metricsToken when set, {@code /metrics} needs {@code Authorization: Bearer <metricsToken>}; else null
 * @param publicUrl    {@code SEEDSTREAM_PUBLIC_URL} without a trailing slash: the base of every URL the gateway hands
 *                     out, so that a front-end on another origin needs no guess; null when URLs stay relative
 */
public record AccessSettings(String tokens, List<String> corsOrigins, List<String> allowedHosts, String metricsToken,
                             String publicUrl) {

  /** {@code path} (starting with /) as the gateway hands it out: absolute on the public URL when one is set. */
  public String link(String path) {
    return publicUrl == null ? path : publicUrl + path;
  }

  @Override
  public String toString() {
    return "AccessSettings[tokens=" + (tokens == null ? "none" : "set") + ", corsOrigins=" + corsOrigins
      + ", allowedHosts=" + allowedHosts + ", metricsToken=" + (metricsToken == null ? "none" : "set")
      + ", publicUrl=" + publicUrl + "]";
  }
}
