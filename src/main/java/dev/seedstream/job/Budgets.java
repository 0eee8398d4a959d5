package dev.seedstream.job;

import dev.seedstream.access.BudgetLimits;
import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.store.OwnerSpend;
import dev.seedstream.validation.Cost;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The daily and monthly caps of client tokens (UTC days and months). A job reserves its worst case when it is
 * admitted and settles to what it cost when it ends, so jobs running side by side can never overspend together.
 *
 * <p>The running totals live here, on the event loop; the truth they start from is the history, which keeps each
 * job's reservation and, once settled, its cost ({@link #restore}). For a cluster the same rows are the shared
 * ledger: with one PostgreSQL history every gateway would reserve with a conditional write (insert the job only
 * where the owner's window sum plus the worst case stays under the cap, in one statement) instead of this map.
 */
public final class Budgets {

  private final Map<String, BudgetLimits> limits;
  private final Clock clock;
  private final Map<String, Spent> spent = new HashMap<>();

  /** Totals of one token in its current windows, in the cap's currency for money. */
  private static final class Spent {
    LocalDate day;
    LocalDate month;
    long dayMicros;
    long monthMicros;
    long dayImages;
    long monthImages;
  }

  /** What a job holds against a budget until it settles; {@code none} when its client has no caps. */
  public record Reservation(String clientKey, LocalDate day, long micros, long images, boolean counted) {
  }

  /** {@code limits}: by client key ({@code token:<name>}). */
  public Budgets(Map<String, BudgetLimits> limits, Clock clock) {
    this.limits = Map.copyOf(limits);
    this.clock = clock;
  }

  public static Budgets none() {
    return new Budgets(Map.of(), Clock.systemUTC());
  }

  public boolean any() {
    return !limits.isEmpty();
  }

  /** Where this month began, and today, in epoch milliseconds: the windows {@link #restore} reads. */
  public long monthStartMs() {
    return today().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  public long dayStartMs() {
    return today().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
  }

  /** Adds what the history says each owner has spent in the current windows (at start-up). */
  public void restore(List<OwnerSpend> rows) {
    for (OwnerSpend row : rows) {
      BudgetLimits cap = limits.get(row.owner());
      if (cap == null) {
        continue;
      }
      Spent totals = current(row.owner());
      boolean money = cap.currency() != null && cap.currency().equals(row.currency());
      totals.monthMicros += money ? row.micros() : 0;
      totals.dayMicros += money ? row.dayMicros() : 0;
      totals.monthImages += row.images();
      totals.dayImages += row.dayImages();
    }
  }

  /**
   * Reserves the worst case, or refuses with 429 {@code budget_exceeded} naming what is left and when it resets.
   * {@code maxCost} is null for a model without a price: then only image caps apply.
   */
  public Reservation reserve(String clientKey, int maxImages, Cost maxCost) {
    BudgetLimits cap = limits.get(clientKey);
    if (cap == null) {
      return new Reservation(clientKey, null, 0, 0, false);
    }
    Spent totals = current(clientKey);
    long micros = maxCost != null && maxCost.currency().equals(cap.currency()) ? maxCost.micros() : 0;
    LocalDate day = totals.day;
    Instant tomorrow = day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    Instant nextMonth = day.withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    refuseOver(cap.dailyMicros(), totals.dayMicros, micros, true, "daily", cap.currency(), tomorrow);
    refuseOver(cap.monthlyMicros(), totals.monthMicros, micros, true, "monthly", cap.currency(), nextMonth);
    refuseOver(cap.dailyImages(), totals.dayImages, maxImages, false, "daily", null, tomorrow);
    refuseOver(cap.monthlyImages(), totals.monthImages, maxImages, false, "monthly", null, nextMonth);
    totals.dayMicros += micros;
    totals.monthMicros += micros;
    totals.dayImages += maxImages;
    totals.monthImages += maxImages;
    return new Reservation(clientKey, day, micros, maxImages, true);
  }

  /** Replaces the reservation by what the job cost; a job from a window that has passed changes nothing now. */
  public void settle(Reservation reservation, Cost cost, long images) {
    if (!reservation.counted()) {
      return;
    }
    Spent totals = current(reservation.clientKey());
    BudgetLimits cap = limits.get(reservation.clientKey());
    long micros = cost != null && cost.currency().equals(cap.currency()) ? cost.micros() : 0;
    if (reservation.day().equals(totals.day)) {
      totals.dayMicros += micros - reservation.micros();
      totals.dayImages += images - reservation.images();
    }
    if (reservation.day().withDayOfMonth(1).equals(totals.month)) {
      totals.monthMicros += micros - reservation.micros();
      totals.monthImages += images - reservation.images();
    }
  }

  private void refuseOver(Long cap, long used, long wanted, boolean money, String window, String currency,
                          Instant resets) {
    if (cap == null || used + wanted <= cap) {
      return;
    }
    long left = Math.max(0, cap - used);
    JsonObject remaining = money ? new Cost(currency, left).toJson("amount") : new JsonObject().put("images", left);
    String what = money ? new Cost(currency, wanted).amount() + " " + currency : wanted + " images";
    String leftText = money ? new Cost(currency, left).amount() + " " + currency : left + " images";
    long retryAfter = Math.max(1, resets.getEpochSecond() - clock.instant().getEpochSecond());
    throw new ApiException(ErrorCode.BUDGET_EXCEEDED, "this token's " + window + " budget has " + leftText
      + " left, and this request may cost " + what + "; it resets at " + resets, retryAfter)
      .withDetail("budget", window).withDetail("remaining", remaining).withDetail("resets_at", resets.toString());
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }

  /** The client's totals, starting a new day or month when one has begun since they were last used. */
  private Spent current(String clientKey) {
    Spent totals = spent.computeIfAbsent(clientKey, k -> new Spent());
    LocalDate today = today();
    if (!today.equals(totals.day)) {
      totals.day = today;
      totals.dayMicros = 0;
      totals.dayImages = 0;
    }
    if (!today.withDayOfMonth(1).equals(totals.month)) {
      totals.month = today.withDayOfMonth(1);
      totals.monthMicros = 0;
      totals.monthImages = 0;
    }
    return totals;
  }
}
