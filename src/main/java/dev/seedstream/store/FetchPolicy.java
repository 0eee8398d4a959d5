package dev.seedstream.store;

import dev.seedstream.validation.ReferenceUrlPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;

import dev.seedstream.config.ImageOrigin;
import io.vertx.core.Future;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which image URLs the gateway itself may download, and from which address. Only https, except the
 * embedded simulator's own origin. The host name is resolved here and every address it resolves to is
 * checked; the download then connects to the checked address, so a second, different DNS answer
 * (rebinding) cannot redirect it into the private network. The same rules, less the DNS step, decide
 * where a durable URL may redirect to while the gateway has no copy of its own.
 */
final class FetchPolicy {

  /** Where to connect: {@code server} is null when the URL's host may be resolved as usual. */
  record Target(URI uri, SocketAddress server) {
  }

  /** Host name to addresses: the system's resolver, or in a test one that needs no network. */
  @FunctionalInterface
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  private final Vertx vertx;
  private final ReferenceUrlPolicy urls = new ReferenceUrlPolicy();
  private final URI trustedOrigin;
  private final boolean allowPrivate;
  private final List<String> imageHosts;
  private final Resolver resolver;

  /** {@code imageHosts}: the configured image origins ({@code SEEDSTREAM_IMAGE_HOSTS}); empty admits any host. */
  FetchPolicy(Vertx vertx, String trustedOrigin, boolean allowPrivate, List<String> imageHosts) {
    this(vertx, trustedOrigin, allowPrivate, imageHosts, InetAddress::getAllByName);
  }

  FetchPolicy(Vertx vertx, String trustedOrigin, boolean allowPrivate, List<String> imageHosts, Resolver resolver) {
    this.vertx = vertx;
    this.trustedOrigin = trustedOrigin == null ? null : URI.create(trustedOrigin);
    this.allowPrivate = allowPrivate;
    this.imageHosts = List.copyOf(imageHosts);
    this.resolver = resolver;
  }

  Future<Target> check(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new StoreFailure(StoreFailure.Kind.REFUSED, "the image URL is not a valid URL"));
    }
    Optional<String> problem = staticProblem(uri, url);
    if (problem.isPresent()) {
      return Future.failedFuture(new StoreFailure(StoreFailure.Kind.REFUSED, problem.get()));
    }
    if (trusted(uri) || allowPrivate) {
      return Future.succeededFuture(new Target(uri, null));
    }
    return vertx.executeBlocking(() -> resolve(uri), false);
  }

  /**
   * Why the gateway will not send a browser to {@code url} (a durable URL's redirect), if it will not: a URL
   * it would not download from, or one outside the configured image hosts. No DNS: the browser resolves it.
   */
  Optional<String> redirectProblem(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Optional.of("the upstream URL is not a valid URL");
    }
    if (!imageHosts.isEmpty() && imageHosts.stream().noneMatch(origin -> ImageOrigin.matches(origin, url))) {
      return Optional.of("the upstream URL is not on an allowed image host");
    }
    return staticProblem(uri, url);
  }

  /** The checks that need no DNS: scheme, host, and a literal address or a name that cannot be public. */
  private Optional<String> staticProblem(URI uri, String url) {
    if (trusted(uri)) {
      return Optional.empty();
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      return Optional.of("only https image URLs are downloaded");
    }
    return allowPrivate ? Optional.empty() : urls.problem(url);
  }

  private Target resolve(URI uri) throws StoreFailure {
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(uri.getHost());
    } catch (UnknownHostException e) {
      // A name that does not resolve is the download failing, not the disk: say so.
      throw new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download failed: the image host " + uri.getHost()
        + " could not be resolved");
    }
    for (InetAddress address : addresses) {
      Optional<String> problem = urls.addressProblem(address.getAddress());
      if (problem.isPresent()) {
        throw new StoreFailure(StoreFailure.Kind.REFUSED, "the image host " + uri.getHost() + " resolves to "
          + address.getHostAddress() + ", " + problem.get());
      }
    }
    int port = uri.getPort() < 0 ? 443 : uri.getPort();
    return new Target(uri, SocketAddress.inetSocketAddress(port, addresses[0].getHostAddress()));
  }

  private boolean trusted(URI uri) {
    return trustedOrigin != null && trustedOrigin.getScheme().equalsIgnoreCase(uri.getScheme())
      && uri.getHost() != null && trustedOrigin.getHost().toLowerCase(Locale.ROOT).equals(uri.getHost().toLowerCase(Locale.ROOT))
      && port(trustedOrigin) == port(uri);
  }

  private static int port(URI uri) {
    return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }
}
