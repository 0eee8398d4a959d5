package dev.seedstream.store;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;

/**
 * Where the JDK's TLS engine decrypts a download (BoringSSL could not be loaded, see {@code NativeTls}): hands the TLS layer of a download connection its encrypted input in pooled heap buffers instead of the direct
 * ones the socket is read into. JDK 17's AES-GCM decrypts from or into a direct buffer through temporary arrays
 * it allocates on every record: at the store's download rate under load that was a fifth of the gateway's
 * allocation, and a young collection stops the relay too. So the connection's allocator becomes
 * {@link #POOLED_HEAP} (the TLS handler decrypts into its buffers) and its input is copied into one: a copy from
 * one pooled buffer to another allocates nothing. (Vert.x's own allocator pools only direct buffers.)
 */
final class HeapTlsInput extends ChannelInboundHandlerAdapter {

  /** Pools heap buffers, and direct ones for the socket's reads; only the store's download loop uses it. */
  static final ByteBufAllocator POOLED_HEAP = new PooledByteBufAllocator(false);
  private static final String NAME = "seedstream-heap-tls-input";
  /** Where Vert.x's TLS handler sits in its client pipeline. */
  private static final String VERTX_TLS = "ssl";

  /** Puts it on a download connection that decrypts with the JDK's engine, once; other connections are left alone. */
  static void install(Channel channel) {
    ChannelPipeline pipeline = channel.pipeline();
    if (pipeline.get(NAME) == null && pipeline.get(VERTX_TLS) instanceof SslHandler tls
      && !(tls.engine() instanceof ReferenceCountedOpenSslEngine)) {
      channel.config().setAllocator(POOLED_HEAP);
      pipeline.addBefore(VERTX_TLS, NAME, new HeapTlsInput());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf bytes) || !bytes.isDirect()) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf heap;
    try {
      heap = ctx.alloc().heapBuffer(bytes.readableBytes());
      heap.writeBytes(bytes);
    } finally {
      bytes.release();
    }
    ctx.fireChannelRead(heap);
  }
}
