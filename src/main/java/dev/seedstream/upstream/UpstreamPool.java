package dev.seedstream.upstream;

import dev.seedstream.config.UpstreamEntry;
import dev.seedstream.config.UpstreamSettings;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.observe.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * The upstreams the gateway may call, and which one a call goes to: among those serving the model whose breaker
 * lets a call through, that are not cooling down after a 429 and have room under their limits, the lowest
 * priority, then at random by weight. A cool-down only steers: when no other upstream can take the call, the one
 * whose cool-down ends first is still called (its own answer is the truest thing to tell the client). An open
 * breaker and the gateway's own limits do refuse. Event-loop confined; {@link #reload} swaps entries in place,
 * keeping each upstream's breaker, while calls already running finish with the entry they started with.
 */
public final class UpstreamPool {

  private static final Logger LOG = Logger.getLogger(UpstreamPool.class.getName());

  private final Vertx vertx;
  private final GatewayMetrics metrics;
  private final int breakerFailures;
  private final long breakerCooldownMs;
  private final Map<String, PooledUpstream> upstreams = new LinkedHashMap<>();

  public UpstreamPool(Vertx vertx, UpstreamSettings settings, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.breakerFailures = settings.breakerFailures();
    this.breakerCooldownMs = settings.breakerCooldownMs();
    reload(settings.entries());
  }

  /** The pool from now on: upstreams are matched by name; one whose URL changed starts with a fresh breaker. */
  public void reload(List<UpstreamEntry> entries) {
    Map<String, PooledUpstream> previous = new LinkedHashMap<>(upstreams);
    upstreams.clear();
    for (UpstreamEntry entry : entries) {
      PooledUpstream kept = previous.remove(entry.name());
      if (kept != null && kept.entry().url().equals(entry.url())) {
        kept.use(entry);
        upstreams.put(entry.name(), kept);
      } else {
        if (kept != null) {
          kept.breaker.close();
        }
        upstreams.put(entry.name(), newUpstream(entry));
      }
    }
    previous.values().forEach(gone -> gone.breaker.close());
  }

  private PooledUpstream newUpstream(UpstreamEntry entry) {
    String name = entry.name();
    CircuitBreaker breaker = new CircuitBreaker(vertx, breakerFailures, breakerCooldownMs, state ->
      LOG.warning("upstream " + name + ": circuit breaker " + state.wire));
    metrics.watchUpstreamBreaker(name, () -> {
      PooledUpstream current = upstreams.get(name);
      return current == null ? Double.NaN : current.breaker.state().gauge;
    });
    return new PooledUpstream(entry, breaker);
  }

  /** The upstream the next call of {@code model} goes to, skipping those {@code tried} already; null when none may. */
  PooledUpstream choose(String model, int images, Set<String> tried) {
    long now = System.nanoTime();
    List<PooledUpstream> open = new ArrayList<>();
    for (PooledUpstream upstream : upstreams.values()) {
      if (upstream.entry().serves(model) && !tried.contains(upstream.name()) && upstream.breaker.allows()
        && upstream.hasRoom(images, now)) {
        open.add(upstream);
      }
    }
    List<PooledUpstream> ready = open.stream().filter(upstream -> !upstream.coolingDown(now)).toList();
    if (ready.isEmpty()) {
      return open.stream().min(Comparator.comparingLong(upstream -> upstream.coolUntilNanos() - now)).orElse(null);
    }
    int best = ready.stream().mapToInt(upstream -> upstream.entry().priority()).min().orElseThrow();
    List<PooledUpstream> first = ready.stream().filter(upstream -> upstream.entry().priority() == best).toList();
    int total = first.stream().mapToInt(upstream -> upstream.entry().weight()).sum();
    int pick = ThreadLocalRandom.current().nextInt(total);
    for (PooledUpstream upstream : first) {
      pick -= upstream.entry().weight();
      if (pick < 0) {
        return upstream;
      }
    }
    return first.get(first.size() - 1);
  }

  /** A call goes to {@code upstream}: counted against its limits, and its breaker's trial when half-open. */
  UpstreamAttempt begin(PooledUpstream upstream, int images) {
    upstream.started(images, System.nanoTime());
    upstream.breaker.called();
    metrics.upstreamRequest(upstream.name());
    return new UpstreamAttempt(this, upstream, metrics);
  }

  /** Why no upstream may take a call of {@code model} now, and when to try again, in the contract's words. */
  UpstreamFailure unavailable(String model, int images) {
    long now = System.nanoTime();
    List<PooledUpstream> serving = upstreams.values().stream().filter(upstream -> upstream.entry().serves(model)).toList();
    if (serving.isEmpty()) {
      return new UpstreamFailure(ErrorCode.UPSTREAM_UNAVAILABLE, "no configured upstream serves " + model, false, null, null);
    }
    long halfOpen = serving.stream().filter(upstream -> upstream.breaker.state() == CircuitBreaker.State.OPEN)
      .mapToLong(upstream -> upstream.breaker.millisUntilHalfOpen()).min().orElse(-1);
    if (serving.stream().noneMatch(upstream -> upstream.breaker.allows())) {
      return new UpstreamFailure(ErrorCode.UPSTREAM_UNAVAILABLE, "every upstream serving " + model
        + " failed repeatedly and is paused (circuit breaker open)", true, null, halfOpen < 0 ? 1 : Math.max(1, (halfOpen + 999) / 1000));
    }
    long wait = serving.stream().filter(upstream -> upstream.breaker.allows() && upstream.entry().imagesPerMinute() > 0)
      .mapToLong(upstream -> upstream.secondsUntilRoom(images, now)).min().orElse(1);
    return new UpstreamFailure(ErrorCode.OVERLOADED, "every upstream serving " + model
      + " is at the gateway's concurrency or images-per-minute limit for it", true, null, wait);
  }

  /** Ready while at least one upstream's breaker is closed or half-open. */
  public boolean anyReady() {
    return upstreams.values().stream().anyMatch(upstream -> upstream.breaker.state() != CircuitBreaker.State.OPEN);
  }

  /** Each upstream's breaker state by name, for {@code /readyz}: names only, never a URL or a key. */
  public JsonObject states() {
    JsonObject states = new JsonObject();
    upstreams.forEach((name, upstream) -> states.put(name, upstream.breaker.state().wire));
    return states;
  }

  /** Every key in use, for redaction. */
  public List<String> keys() {
    return upstreams.values().stream().map(upstream -> upstream.entry().apiKey()).toList();
  }

  public void close() {
    upstreams.values().forEach(upstream -> upstream.breaker.close());
  }
}
