package dev.seedstream.validation;

import io.vertx.core.json.JsonObject;

/**
 * An amount of money in one currency, in millionths of its unit: exact to add and compare, where a float
 * would drift over a month of small charges. On the wire it is {@code {"currency", <key>: number}}.
 */
public record Cost(String currency, long micros) {

  private static final double MICROS = 1_000_000d;

  public Cost plus(Cost other) {
    if (!currency.equals(other.currency)) {
      throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
    }
    return new Cost(currency, Math.addExact(micros, other.micros));
  }

  /** The amount in the currency's unit, as JSON writes it (0.03, not 30000 micros). */
  public double amount() {
    return micros / MICROS;
  }

  /** {@code {"currency": …, key: amount}}: {@code max} for an estimate, {@code amount} for what was spent. */
  public JsonObject toJson(String key) {
    return new JsonObject().put("currency", currency).put(key, amount());
  }
}
