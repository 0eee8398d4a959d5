package dev.seedstream;

import dev.seedstream.config.ConfigException;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.config.UpstreamEntry;
import dev.seedstream.observe.DrainLogManager;
import dev.seedstream.observe.JsonLogFormatter;
import dev.seedstream.observe.KeyRedactingFormatter;
import dev.seedstream.observe.TextLogFormatter;
import dev.seedstream.store.StoreMigration;
import dev.seedstream.upstream.KeyRedactor;
import dev.seedstream.upstream.NativeTls;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Starts Seedstream: configuration, then the gateway; a bad configuration exits with status 2 and its reason.
 * {@code migrate-store} instead copies this install's history and images into a shared store, then exits;
 * {@code class-data-training} is the build's run that writes the class-data archive ({@link ClassDataTraining}).
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("migrate-store")) {
      System.exit(StoreMigration.run(List.of(args).subList(1, args.length), System.getenv(), System.out));
      return;
    }
    // Before anything touches java.util.logging: the drain on SIGTERM must still be able to log.
    if (System.getProperty("java.util.logging.manager") == null) {
      System.setProperty("java.util.logging.manager", DrainLogManager.class.getName());
    }
    // The default line is written by TextLogFormatter; a pattern or logging configuration of the user's own
    // keeps the JDK's formatter, which reads them.
    boolean ownTextLines = System.getProperty("java.util.logging.SimpleFormatter.format") == null
      && System.getProperty("java.util.logging.config.file") == null
      && System.getProperty("java.util.logging.config.class") == null;
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s - %5$s%6$s%n");
    }
    // Netty's buffer allocator reports to the flight recorder where one may run, and setting that up (event
    // classes generated at run time, which no class-data archive holds) took about 90 ms of the first request
    // served. -Dio.netty.jfr.enabled=true brings the events back for a recording.
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    if (args.length > 0 && args[0].equals(ClassDataTraining.COMMAND)) {
      System.exit(ClassDataTraining.run(args.length > 1 ? Path.of(args[1]) : null, System.err));
      return;
    }
    Logger log = Logger.getLogger(Main.class.getName());
    GatewayConfig config;
    try {
      config = ConfigLoader.load();
    } catch (ConfigException e) {
      System.err.println("seedstream: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    for (Handler handler : Logger.getLogger("").getHandlers()) {
      Formatter format = config.observability().logFormat().equals("json") ? new JsonLogFormatter()
        : ownTextLines && handler.getFormatter() instanceof SimpleFormatter ? new TextLogFormatter() : handler.getFormatter();
      format = new KeyRedactingFormatter(format, new KeyRedactor(config.upstream().apiKey()));
      // Every key of the pool as well, each taken out in turn.
      for (UpstreamEntry entry : config.upstream().pool()) {
        format = new KeyRedactingFormatter(format, new KeyRedactor(entry.apiKey()));
      }
      handler.setFormatter(format);
    }
    Vertx vertx = null;
    Gateway gateway;
    try {
      if (config.cluster().enabled()) {
        gateway = Gateway.startClustered(config).await();
        vertx = gateway.vertx();
      } else {
        vertx = Gateway.newVertx();
        gateway = Gateway.start(vertx, config).await();
      }
    } catch (ConfigException e) {
      // The client tokens are read when the gateway starts, once: a malformed list is a configuration error too.
      System.err.println("seedstream: configuration error: " + e.getMessage());
      if (vertx != null) {
        vertx.close();
      }
      System.exit(2);
      return;
    } catch (Exception e) {
      System.err.println("seedstream: could not start: " + e.getMessage());
      if (vertx != null) {
        vertx.close();
      }
      System.exit(1);
      return;
    }
    log.info("Seedstream listening on http://" + config.server().host() + ":" + gateway.port()
      + (gateway.simulator() != null ? " (simulator mode: images are simulated)" : config.upstream().poolSource() != null
        ? " (upstreams " + config.upstream().pool().stream().map(UpstreamEntry::name).toList() + ")"
        : " (upstream " + config.upstream().url() + ")"));
    reloadOnHangup(gateway, log);
    // Naming the TLS engine loads it (BoringSSL, 0.1-0.2 s of a core): on a thread of its own a second after the
    // gateway listens, so that neither start-up nor the first requests share the core with it (started at once, it
    // added 76 ms to the first request served on one core). At normal priority: a client made meanwhile waits for
    // the same class initialisation, which in the idle class could last as long as the machine stays busy.
    Thread tls = new Thread(() -> {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      log.info("TLS to the upstream and image hosts: " + NativeTls.describe());
    }, "seedstream-tls-probe");
    tls.setDaemon(true);
    tls.start();
    // The heap's pre-touch, done now in the background rather than before main (HeapWarmup).
    HeapWarmup.startInBackground();
    // A cluster member leaves gracefully: Hazelcast hands its partitions to the others first, which takes longer.
    long closeMs = config.cluster().enabled() ? 10_000 : 800;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Shutdown.run(gateway.vertx(), gateway, config.timeouts().drainMs(), closeMs),
      "seedstream-shutdown"));
  }

  /** SIGHUP reads the upstream pool and its keys again, without dropping a running stream. */
  private static void reloadOnHangup(Gateway gateway, Logger log) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> gateway.verticle().reloadUpstreams(System.getenv())
        .onSuccess(v -> log.info("SIGHUP: upstream pool read again"))
        .onFailure(e -> log.warning("SIGHUP: upstream pool not reloaded, the current one stays: " + e.getMessage())));
    } catch (IllegalArgumentException e) {
      log.info("no SIGHUP on this platform; the upstream pool reloads when its file changes");
    }
  }
}
