package dev.seedstream.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.function.Consumer;

/**
 * Takes a download's body bytes out of the HTTP client's pipeline as the network buffers they arrive in, and
 * lets the client see the response's end alone, as an empty last chunk (so it still sees trailers and errors). Vert.x's
 * client hands every chunk on as a heap copy of its own: at the rate the store downloads under load (256 MiB/s
 * in the benchmark) that made a young collection every 55 ms, and each one stops the relay too. One tap per
 * pooled connection, fed to the download using it now; a connection carries one download at a time.
 *
 * <p>Netty calls it on the connection's event loop, which is the store's own: the store's client only ever
 * makes requests from there ({@link StoreThreads}), so the sink needs no lock.
 */
final class BodyTap extends ChannelInboundHandlerAdapter {

  private static final String NAME = "seedstream-body-tap";
  /** Where Vert.x's own handler sits in its HTTP/1.1 client pipeline: the tap goes just before it. */
  private static final String VERTX_HANDLER = "handler";
  /** Its TLS handler, on an https connection. */
  private static final String VERTX_TLS = "ssl";

  private final Channel channel;
  /** Gets the bytes of the current download, each a buffer it must release; null between downloads. */
  private Consumer<ByteBuf> sink;

  private BodyTap(Channel channel) {
    this.channel = channel;
  }

  /**
   * The tap of {@code connection}'s pipeline, put there on first use. Fails when called off the connection's
   * event loop or when the pipeline is not the HTTP/1.1 one the tap knows: a change of Vert.x shows up as
   * failed downloads in the tests, never as images written from the wrong place.
   */
  static BodyTap on(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      throw new IllegalStateException("the image download's connection is not one the store can read from directly");
    }
    Channel channel = base.channel();
    if (!channel.eventLoop().inEventLoop()) {
      throw new IllegalStateException("the image download's connection is not on the store's event loop");
    }
    ChannelPipeline pipeline = channel.pipeline();
    BodyTap tap = pipeline.get(BodyTap.class);
    if (tap == null) {
      if (pipeline.get(VERTX_HANDLER) == null) {
        throw new IllegalStateException("the image download's connection has no HTTP/1.1 handler to tap");
      }
      tap = new BodyTap(channel);
      pipeline.addBefore(VERTX_HANDLER, NAME, tap);
      if (pipeline.get(VERTX_TLS) instanceof SslHandler tls && !(tls.engine() instanceof ReferenceCountedOpenSslEngine)) {
        // The JDK's TLS engine (BoringSSL could not be loaded here, see NativeTls): its records decrypted from
        // and into pooled heap buffers, see HeapTlsInput.
        channel.config().setAllocator(HeapTlsInput.POOLED_HEAP);
        pipeline.addBefore(VERTX_TLS, "seedstream-heap-tls-input", new HeapTlsInput());
      }
    }
    return tap;
  }

  /** The bytes of the response about to arrive go to {@code sink}. */
  void feed(Consumer<ByteBuf> sink) {
    this.sink = sink;
  }

  /**
   * Bytes go to the client again, and reading resumes, unless another download's {@code sink} is fed by now:
   * a download ends after its response (its last writes), when the pool may have given the connection to the next.
   */
  void unfeed(Consumer<ByteBuf> sink) {
    if (this.sink == sink || this.sink == null) {
      this.sink = null;
      resume();
    }
  }

  /**
   * Stops reading from the network until {@link #resume()}: the client's own flow control never engages,
   * since it only sees empty chunks.
   */
  void pause() {
    channel.config().setAutoRead(false);
  }

  void resume() {
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (sink == null || !(msg instanceof HttpContent content)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf bytes = content.content();
    if (!(msg instanceof LastHttpContent)) {
      // The client needs nothing of a chunk before the last: passing it an empty one cost a chunk object here
      // and Vert.x's handling of it there (about 50 MB a 20 s benchmark run, on the download loop).
      if (bytes.isReadable()) {
        sink.accept(bytes);
      } else {
        content.release();
      }
      return;
    }
    if (bytes.isReadable()) {
      sink.accept(bytes.retain());
    }
    sink = null;
    ctx.fireChannelRead(content.replace(Unpooled.EMPTY_BUFFER));
    content.release();
  }
}
