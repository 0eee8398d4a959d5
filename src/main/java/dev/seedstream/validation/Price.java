package dev.seedstream.validation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one model costs, as the catalogue's {@code price} states it: per generated image and/or per million
 * output tokens (both when the provider bills both), in one currency, with where the figure was read and
 * when. Amounts are kept in millionths of the currency, so sums over a month stay exact.
 */
public record Price(String currency, Long perImageMicros, Long perMillionTokensMicros, String source, String readOn) {

  static final Set<String> KEYS = Set.of("currency", "per_image", "per_million_output_tokens", "source", "read_on");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  private static final long TOKENS_PER_UNIT = 1_000_000;

  /**
   * The catalogue's {@code price} object (already read as plain JSON values), or the problems that stop
   * start-up, each naming its key.
   */
  static Price parse(String where, Map<String, Object> json, List<String> problems) {
    List<String> found = new ArrayList<>();
    json.keySet().stream().filter(key -> !KEYS.contains(key))
      .forEach(key -> found.add(where + "price." + key + " is not a price key " + KEYS));
    Object currency = json.get("currency");
    if (!(currency instanceof String text) || !CURRENCY.matcher(text).matches()) {
      found.add(where + "price.currency must be a three-letter code such as \"USD\" or \"CNY\"");
    }
    Long perImage = amount(where + "price.per_image", json.get("per_image"), found);
    Long perMillion = amount(where + "price.per_million_output_tokens", json.get("per_million_output_tokens"), found);
    if (perImage == null && perMillion == null && !json.containsKey("per_image")
      && !json.containsKey("per_million_output_tokens")) {
      found.add(where + "price needs per_image or per_million_output_tokens");
    }
    if (!(json.get("source") instanceof String source) || source.isBlank()) {
      found.add(where + "price.source must say where the figure was read");
    }
    if (!(json.get("read_on") instanceof String date) || !isDate(date)) {
      found.add(where + "price.read_on must be the date the figure was read, YYYY-MM-DD");
    }
    problems.addAll(found);
    return found.isEmpty() ? new Price((String) currency, perImage, perMillion, (String) json.get("source"),
      (String) json.get("read_on")) : null;
  }

  private static Long amount(String key, Object value, List<String> problems) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number number)) {
      problems.add(key + " must be a number");
      return null;
    }
    BigDecimal decimal = new BigDecimal(number.toString());
    if (decimal.signum() < 0 || decimal.scale() > 6) {
      problems.add(key + " must be a non-negative amount with at most 6 decimals");
      return null;
    }
    return decimal.movePointRight(6).longValueExact();
  }

  private static boolean isDate(String text) {
    try {
      LocalDate.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /**
   * What {@code images} images billing {@code outputTokens} tokens cost. Tokens are rounded up to the next
   * millionth: an estimate must never be below the bill, and the actual cost uses the same rule.
   */
  public Cost of(long images, long outputTokens) {
    long micros = 0;
    if (perImageMicros != null) {
      micros = Math.addExact(micros, Math.multiplyExact(images, perImageMicros));
    }
    if (perMillionTokensMicros != null) {
      micros = Math.addExact(micros, BigDecimal.valueOf(outputTokens).multiply(BigDecimal.valueOf(perMillionTokensMicros))
        .divide(BigDecimal.valueOf(TOKENS_PER_UNIT), 0, RoundingMode.CEILING).longValueExact());
    }
    return new Cost(currency, micros);
  }

  /** The worst case of an estimate. */
  public Cost worstCase(Estimate estimate) {
    return of(estimate.maxImages(), estimate.maxOutputTokens());
  }
}
