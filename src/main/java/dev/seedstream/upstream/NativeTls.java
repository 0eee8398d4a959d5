package dev.seedstream.upstream;

import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.OpenSSLEngineOptions;

/**
 * TLS for the gateway's HTTP clients (the upstream's and the image store's) in BoringSSL, where Netty can load
 * it (the build ships it for Linux on x86-64), else in the JDK. JDK 17's AES-GCM allocates about 2 KiB of
 * temporary objects for every TLS record it decrypts: downloading images at a thousand a second, that was 40 %
 * of everything the gateway allocated, and each young collection it brought on stopped the relay as well.
 * BoringSSL decrypts into the connection's own buffers, allocating nothing, and outside the JVM's safepoint
 * protocol, so a low-priority thread in the middle of a record never keeps a collection waiting.
 */
public final class NativeTls {

  private NativeTls() {
  }

  /** Whether the clients' TLS runs in BoringSSL on this machine. */
  public static boolean available() {
    return OpenSsl.isAvailable();
  }

  /** {@code options} with BoringSSL as their TLS engine when it is available; unchanged otherwise. */
  public static HttpClientOptions apply(HttpClientOptions options) {
    if (available()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
    return options;
  }

  /** The engine, for the start-up log: a user diagnosing TLS should know which one is talking. */
  public static String describe() {
    return available() ? OpenSsl.versionString() : "the JDK's (" + unavailableReason() + ")";
  }

  private static String unavailableReason() {
    Throwable cause = OpenSsl.unavailabilityCause();
    return cause == null ? "BoringSSL not loaded" : "BoringSSL not loaded: " + cause.getMessage();
  }
}
