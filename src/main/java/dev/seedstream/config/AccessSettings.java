package dev.seedstream.config;

import java.util.List;

/**
 * Who may reach the gateway beyond the client tokens: the {@code Host} names it answers to (against DNS
 * rebinding) and the optional bearer token that guards {@code /metrics}.
 *
 * @param allowedHosts extra host names (no port) the gateway answers to, besides loopback names and the host it
 *                     listens on; {@code *} turns the check off
 * @param metricsToken when set, {@code /metrics} needs {@code Authorization: Bearer <metricsToken>}; else null
 */
public record AccessSettings(List<String> allowedHosts, String metricsToken) {
}
