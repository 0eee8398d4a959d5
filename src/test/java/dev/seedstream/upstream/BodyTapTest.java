package dev.seedstream.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tap in a pipeline shaped like Vert.x's HTTP/1.1 client's (its codec, then a handler named {@code handler}): which
 * bytes go to the exchange and which to the client, in order, and that every buffer is released once.
 */
@DisplayName("BodyTap: a response's body from the network's buffers, in order")
class BodyTapTest {

  /** Stands for Vert.x's handler: what reached it, as text, and whether it saw the end. */
  private final List<String> client = new ArrayList<>();
  private final List<ByteBuf> released = new ArrayList<>();
  private final EmbeddedChannel channel = new EmbeddedChannel();

  BodyTapTest() {
    channel.pipeline().addLast("codec", new HttpClientCodec());
    channel.pipeline().addLast("handler", new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof LastHttpContent last && last.decoderResult().isFailure()) {
          client.add("failed");
        } else if (msg instanceof LastHttpContent last) {
          client.add("end:" + last.content().toString(StandardCharsets.US_ASCII));
        } else if (msg instanceof HttpContent content) {
          client.add(content.content().toString(StandardCharsets.US_ASCII));
        } else {
          client.add("head");
        }
        ReferenceCountUtil.release(msg);
      }
    });
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  private static HttpContent chunk(String text) {
    return new DefaultHttpContent(Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
  }

  private static LastHttpContent last(String text) {
    return new DefaultLastHttpContent(Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII)));
  }

  private Consumer<ByteBuf> collect(StringBuilder into) {
    return bytes -> {
      into.append(bytes.toString(StandardCharsets.US_ASCII));
      released.add(bytes);
      bytes.release();
    };
  }

  @Test
  @DisplayName("taken at the head, the rest goes to the exchange and the client sees only an empty end")
  void takesTheRestAfterTheHead() {
    BodyTap tap = BodyTap.on(channel);
    StringBuilder taken = new StringBuilder();
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    assertThat(tap.takeRest(collect(taken))).isTrue();
    channel.writeInbound(chunk("data: one\n\n"), chunk("data: two"), last("\n\n"));
    assertThat(taken.toString()).isEqualTo("data: one\n\ndata: two\n\n");
    assertThat(client).containsExactly("head", "end:");
    assertThat(released).allSatisfy(bytes -> assertThat(bytes.refCnt()).isZero());
    // The end let go of the exchange: the next response on the pooled connection goes to the client.
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), chunk("next"), last(""));
    assertThat(client).containsExactly("head", "end:", "head", "next", "end:");
  }

  @Test
  @DisplayName("once a body byte went to the client, the rest follows it there: nothing is taken out of order")
  void refusedAfterBytesWentToTheClient() {
    BodyTap tap = BodyTap.on(channel);
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), chunk("early"));
    StringBuilder taken = new StringBuilder();
    assertThat(tap.takeRest(collect(taken))).isFalse();
    channel.writeInbound(chunk("late"), last(""));
    assertThat(taken.toString()).isEmpty();
    assertThat(client).containsExactly("head", "early", "late", "end:");
    // A new response starts afresh.
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    assertThat(tap.takeRest(collect(taken))).isTrue();
  }

  @Test
  @DisplayName("an exchange that lets go mid-body hands the rest back to the client and resumes reading")
  void unfeedMidBody() {
    BodyTap tap = BodyTap.on(channel);
    StringBuilder taken = new StringBuilder();
    Consumer<ByteBuf> sink = collect(taken);
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    assertThat(tap.takeRest(sink)).isTrue();
    channel.writeInbound(chunk("mine"));
    tap.pause();
    assertThat(channel.config().isAutoRead()).isFalse();
    tap.unfeed(sink);
    assertThat(channel.config().isAutoRead()).isTrue();
    channel.writeInbound(chunk("theirs"), last(""));
    assertThat(taken.toString()).isEqualTo("mine");
    assertThat(client).containsExactly("head", "theirs", "end:");
  }

  @Test
  @DisplayName("an empty body that went to the client counts too: a response already over is not taken")
  void emptyEndCounts() {
    BodyTap tap = BodyTap.on(channel);
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), last(""));
    assertThat(tap.takeRest(collect(new StringBuilder()))).isFalse();
  }

  @Test
  @DisplayName("a malformed body reaches the client as the decoder's failure, not as a clean end, and the exchange lets go")
  void decoderFailurePassesThrough() {
    BodyTap tap = BodyTap.on(channel);
    channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/images/generations"));
    StringBuilder taken = new StringBuilder();
    tap.feed(collect(taken));
    channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "5\r\nhello\r\nzz\r\n", StandardCharsets.US_ASCII));
    assertThat(taken.toString()).isEqualTo("hello");
    assertThat(client).containsExactly("head", "failed");
  }

  @Test
  @DisplayName("one tap per connection, and none on a pipeline that is not the HTTP/1.1 client's (HTTP/2 has a 'handler' too)")
  void oneTapAndOnlyOnKnownPipelines() {
    assertThat(BodyTap.on(channel)).isSameAs(BodyTap.on(channel));
    assertThatThrownBy(() -> BodyTap.on(new EmbeddedChannel())).isInstanceOf(IllegalStateException.class)
      .hasMessageContaining("HTTP/1.1");
    EmbeddedChannel http2Shaped = new EmbeddedChannel();
    http2Shaped.pipeline().addLast("handler", new ChannelInboundHandlerAdapter());
    assertThatThrownBy(() -> BodyTap.on(http2Shaped)).isInstanceOf(IllegalStateException.class);
    http2Shaped.finishAndReleaseAll();
  }
}
