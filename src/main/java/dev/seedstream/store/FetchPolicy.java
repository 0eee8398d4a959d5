package dev.seedstream.store;

import dev.seedstream.validation.ReferenceUrlPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Which image URLs the gateway itself may download, and from which address. Only https, except the
 * embedded simulator's own origin. The host name is resolved here and every address it resolves to is
 * checked; the download then connects to the checked address, so a second, different DNS answer
 * (rebinding) cannot redirect it into the private network.
 */
final class FetchPolicy {

  /** Where to connect: {@code server} is null when the URL's host may be resolved as usual. */
  record Target(URI uri, SocketAddress server) {
  }

  private final Vertx vertx;
  private final ReferenceUrlPolicy urls = new ReferenceUrlPolicy();
  private final URI trustedOrigin;
  private final boolean allowPrivate;

  FetchPolicy(Vertx vertx, String trustedOrigin, boolean allowPrivate) {
    this.vertx = vertx;
    this.trustedOrigin = trustedOrigin == null ? null : URI.create(trustedOrigin);
    this.allowPrivate = allowPrivate;
  }

  Future<Target> check(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new StoreFailure("the image URL is not a valid URL"));
    }
    if (trusted(uri)) {
      return Future.succeededFuture(new Target(uri, null));
    }
    if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      return Future.failedFuture(new StoreFailure("only https image URLs are downloaded"));
    }
    if (allowPrivate) {
      return Future.succeededFuture(new Target(uri, null));
    }
    Optional<String> problem = urls.problem(url);
    if (problem.isPresent()) {
      return Future.failedFuture(new StoreFailure(problem.get()));
    }
    return vertx.executeBlocking(() -> resolve(uri), false);
  }

  private Target resolve(URI uri) throws Exception {
    InetAddress[] addresses = InetAddress.getAllByName(uri.getHost());
    for (InetAddress address : addresses) {
      Optional<String> problem = urls.addressProblem(address.getAddress());
      if (problem.isPresent()) {
        throw new StoreFailure("the image host " + uri.getHost() + " resolves to " + address.getHostAddress()
          + ", " + problem.get());
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
