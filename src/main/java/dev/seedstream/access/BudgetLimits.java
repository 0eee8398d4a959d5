package dev.seedstream.access;

import dev.seedstream.config.ConfigException;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One client token's caps, from its {@code SEEDSTREAM_TOKENS} entry: {@code name:token:daily=5USD,monthly=100USD,
 * daily_images=50,monthly_images=1000}, any of them. Days and months are UTC calendar ones. Money caps are in
 * one currency and count only jobs priced in it; image caps count every image generated. Null: no cap.
 */
public record BudgetLimits(String currency, Long dailyMicros, Long monthlyMicros, Long dailyImages, Long monthlyImages) {

  static final Pattern LIMIT = Pattern.compile("(daily|monthly)(_images)?=([0-9]+(?:\\.[0-9]{1,6})?)([A-Z]{3})?");

  /** {@code text}: the limits, comma-separated; {@code who}: the entry, for messages. */
  static BudgetLimits parse(String text, String who) {
    String currency = null;
    Long dailyMicros = null;
    Long monthlyMicros = null;
    Long dailyImages = null;
    Long monthlyImages = null;
    for (String part : text.split(",")) {
      Matcher limit = LIMIT.matcher(part.strip());
      if (!limit.matches()) {
        throw new ConfigException("SEEDSTREAM_TOKENS: " + who + " has a limit that is not daily=<amount><CUR>, "
          + "monthly=<amount><CUR>, daily_images=<n> or monthly_images=<n>");
      }
      boolean daily = limit.group(1).equals("daily");
      boolean images = limit.group(2) != null;
      if (images == (limit.group(4) != null) || images && limit.group(3).contains(".")) {
        throw new ConfigException("SEEDSTREAM_TOKENS: " + who + ": money limits need a currency (5USD), image limits a whole number");
      }
      if (images) {
        long n = Long.parseLong(limit.group(3));
        if (daily) {
          dailyImages = n;
        } else {
          monthlyImages = n;
        }
        continue;
      }
      if (currency != null && !currency.equals(limit.group(4))) {
        throw new ConfigException("SEEDSTREAM_TOKENS: " + who + ": daily and monthly money limits must use one currency");
      }
      currency = limit.group(4);
      long micros = new BigDecimal(limit.group(3)).movePointRight(6).longValueExact();
      if (daily) {
        dailyMicros = micros;
      } else {
        monthlyMicros = micros;
      }
    }
    return new BudgetLimits(currency, dailyMicros, monthlyMicros, dailyImages, monthlyImages);
  }
}
