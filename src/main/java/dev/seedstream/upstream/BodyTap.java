package dev.seedstream.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.function.Consumer;

/**
 * Takes a response's body bytes out of Vert.x's HTTP/1.1 client pipeline as the network buffers they arrive in,
 * and lets the client see the response's end alone, as an empty last chunk (so it still sees trailers and
 * errors). Vert.x's client hands every chunk on as a heap copy of its own ({@code VertxHandler.safeBuffer}, no
 * option turns it off): every byte of every event and image was copied once more, and was as much young garbage,
 * and a young collection stops every stream. The relay reads upstream answers through it; the image store its
 * downloads. One tap per pooled connection, fed to the exchange using it now; a connection carries one
 * exchange at a time.
 *
 * <p>Netty calls the sink on the connection's event loop, without a Vert.x context: a sink that uses Vert.x
 * dispatches onto its own context first. A sink owns each buffer it is given and must release it.
 */
public final class BodyTap extends ChannelInboundHandlerAdapter {

  private static final String NAME = "seedstream-body-tap";
  /** Where Vert.x's own handler sits in its HTTP/1.1 client pipeline: the tap goes just before it. */
  private static final String VERTX_HANDLER = "handler";

  private final Channel channel;
  /** Gets the bytes of the current response, each a buffer it must release; null between exchanges. */
  private Consumer<ByteBuf> sink;
  /** Whether body bytes of the current response have gone to Vert.x's client: then the rest must follow them. */
  private boolean passedToClient;

  private BodyTap(Channel channel) {
    this.channel = channel;
  }

  /**
   * Puts a tap on a connection just made (a client's connect handler), so that it sees every response from
   * the first; a connection it cannot read (HTTP/2) gets none.
   */
  public static void install(HttpConnection connection) {
    try {
      on(connection);
    } catch (IllegalStateException e) {
      // read through Vert.x's client as usual
    }
  }

  /**
   * The tap {@link #install} put on {@code connection}, when the caller runs on the connection's event loop
   * (where the tap calls its sink); else null.
   */
  static BodyTap of(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base) || !base.channel().eventLoop().inEventLoop()) {
      return null;
    }
    return base.channel().pipeline().get(BodyTap.class);
  }

  /**
   * Reads the rest of {@code response}'s body into {@code handler} as the network buffers it arrives in, on the
   * calling context (the handler releases each buffer); Vert.x's client then sees only the end. Null when the
   * connection has no tap this thread may use, or some of the body went through Vert.x already: the caller
   * then reads through Vert.x's client as usual.
   */
  public static Reading readRest(HttpClientResponse response, Handler<ByteBuf> handler) {
    BodyTap tap = of(response.request().connection());
    ContextInternal context = (ContextInternal) Vertx.currentContext();
    if (tap == null || context == null) {
      return null;
    }
    Consumer<ByteBuf> sink = bytes -> context.dispatch(bytes, handler);
    if (!tap.takeRest(sink)) {
      return null;
    }
    response.handler(empty -> { });
    return new Reading(tap, sink);
  }

  /** One exchange reading a response through a tap. */
  public record Reading(BodyTap tap, Consumer<ByteBuf> sink) {

    public void pause() {
      tap.pause();
    }

    public void resume() {
      tap.resume();
    }

    /** The exchange is over: the connection's bytes go to Vert.x's client again, and reading resumes. */
    public void stop() {
      tap.unfeed(sink);
    }
  }

  /**
   * The tap of {@code connection}'s pipeline, put there on first use. Fails when called off the connection's
   * event loop or when the pipeline is not the HTTP/1.1 one the tap knows (HTTP/2, or a change of Vert.x): the
   * caller then reads through Vert.x's client as usual.
   */
  public static BodyTap on(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      throw new IllegalStateException("the connection is not one whose bytes can be read directly");
    }
    return on(base.channel());
  }

  /** The tap of {@code channel}'s pipeline, which must be Vert.x's HTTP/1.1 client pipeline (or one like it). */
  static BodyTap on(Channel channel) {
    if (!channel.eventLoop().inEventLoop()) {
      throw new IllegalStateException("the connection is not on the calling event loop");
    }
    ChannelPipeline pipeline = channel.pipeline();
    BodyTap tap = pipeline.get(BodyTap.class);
    if (tap == null) {
      if (pipeline.get(VERTX_HANDLER) == null || pipeline.get(HttpClientCodec.class) == null) {
        throw new IllegalStateException("the connection has no HTTP/1.1 handler to tap");
      }
      tap = new BodyTap(channel);
      pipeline.addBefore(VERTX_HANDLER, NAME, tap);
    }
    return tap;
  }

  /** The connection's channel, for a caller that adds a handler of its own around the tap. */
  public Channel channel() {
    return channel;
  }

  /** The bytes of the response about to arrive go to {@code sink}. */
  public void feed(Consumer<ByteBuf> sink) {
    this.sink = sink;
  }

  /**
   * The rest of the response whose head has just arrived goes to {@code sink}, unless some of its body went to
   * Vert.x's client already (its handlers ran later than the head): then nothing changes and the answer is false,
   * so the body keeps its order.
   */
  boolean takeRest(Consumer<ByteBuf> sink) {
    if (passedToClient) {
      return false;
    }
    this.sink = sink;
    return true;
  }

  /**
   * Bytes go to the client again, and reading resumes, unless another exchange's {@code sink} is fed by now:
   * an exchange ends after its response, when the pool may have given the connection to the next.
   */
  public void unfeed(Consumer<ByteBuf> sink) {
    if (this.sink == sink || this.sink == null) {
      this.sink = null;
      resume();
    }
  }

  /**
   * Stops reading from the network until {@link #resume()}: the client's own flow control never engages,
   * since it only sees empty chunks.
   */
  public void pause() {
    channel.config().setAutoRead(false);
  }

  public void resume() {
    if (!channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse) {
      passedToClient = false;
    }
    if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
      // A malformed response: Vert.x must see the failure as it came, to fail the exchange and close the
      // connection; an empty end in its place would pass for a complete body on a connection gone bad.
      sink = null;
    }
    if (sink == null || !(msg instanceof HttpContent content)) {
      passedToClient |= msg instanceof HttpContent;
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf bytes = content.content();
    if (!(msg instanceof LastHttpContent)) {
      // The client needs nothing of a chunk before the last: passing it an empty one cost a chunk object here
      // and Vert.x's handling of it there (about 50 MB a 20 s benchmark run, on the store's download loop).
      if (bytes.isReadable()) {
        sink.accept(bytes);
      } else {
        content.release();
      }
      return;
    }
    Consumer<ByteBuf> last = sink;
    sink = null;
    try {
      if (bytes.isReadable()) {
        last.accept(bytes.retain());
      }
    } finally {
      ctx.fireChannelRead(content.replace(Unpooled.EMPTY_BUFFER));
      content.release();
    }
  }
}
