package dev.seedstream.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;

/**
 * A request with both {@code Transfer-Encoding: chunked} and {@code Content-Length} is the raw material of
 * request smuggling: a proxy in front may read it by one header and the gateway by the other. Netty reads it by
 * the chunked encoding, as RFC 9112 section 6.1 allows, but then drops the Content-Length without a trace, while
 * the RFC also says the server MUST close the connection after answering such a request, so that nothing a
 * proxy took for the next request is ever read from it.
 *
 * <p>Vert.x offers no hook for this, so each connection's request decoder is swapped, when the connection
 * opens and before it has read a byte, for one that marks such requests; the first route then closes the
 * connection once the answer is written. This reaches into Vert.x's internal connection and decoder classes;
 * {@code HostileRequestTest} fails if an upgrade moves them.
 */
final class AmbiguousLength {

  static final String MARK = "x-seedstream-ambiguous-length";
  private static final String DECODER = "httpDecoder";

  private final HttpServerOptions options;

  AmbiguousLength(HttpServerOptions options) {
    this.options = options;
  }

  /** For {@code HttpServer.connectionHandler}: before the connection reads its first request. */
  void onConnection(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      if (pipeline.get(DECODER) instanceof VertxHttpRequestDecoder) {
        pipeline.replace(DECODER, DECODER, new MarkingDecoder(options));
      }
    }
  }

  /** A route: a marked request is answered as usual, then its connection is closed. */
  static void closeAfterAnswer(RoutingContext ctx) {
    if (ctx.request().headers().contains(MARK)) {
      ctx.request().headers().remove(MARK);
      ctx.response().putHeader("Connection", "close");
      ctx.addEndHandler(ended -> ctx.request().connection().close());
    }
    ctx.next();
  }

  private static final class MarkingDecoder extends VertxHttpRequestDecoder {
    MarkingDecoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      message.headers().set(MARK, "1");
    }
  }
}
