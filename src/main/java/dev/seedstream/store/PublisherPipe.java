package dev.seedstream.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.nio.ByteBuffer;

/**
 * Writes a Reactive Streams publisher of bytes (a bucket's response body) to a Vert.x stream with backpressure
 * on both sides: one chunk is requested at a time, and the next only once {@code out} has room again. So a
 * slow client holds at most one chunk and the write queue in memory, whatever the object's size. Every
 * write happens on {@code context}, as Vert.x streams require.
 */
final class PublisherPipe implements Subscriber<ByteBuffer> {

  private final Context context;
  private final WriteStream<Buffer> out;
  private final long expected;
  private final Promise<Void> done = Promise.promise();
  private Subscription subscription;
  private long written;

  private PublisherPipe(Context context, WriteStream<Buffer> out, long expected) {
    this.context = context;
    this.out = out;
    this.expected = expected;
  }

  /** Completes when all {@code expected} bytes are written; fails (and cancels the source) on any error or a short body. */
  static Future<Void> pipe(Context context, org.reactivestreams.Publisher<ByteBuffer> source, WriteStream<Buffer> out,
                           long expected) {
    PublisherPipe pipe = new PublisherPipe(context, out, expected);
    source.subscribe(pipe);
    return pipe.done.future();
  }

  @Override
  public void onSubscribe(Subscription s) {
    subscription = s;
    context.runOnContext(v -> {
      out.exceptionHandler(this::fail);
      s.request(1);
    });
  }

  @Override
  public void onNext(ByteBuffer chunk) {
    // A copy: the client's buffer may be reused once this returns, and the write below runs later.
    byte[] bytes = new byte[chunk.remaining()];
    chunk.get(bytes);
    context.runOnContext(v -> {
      if (done.future().isComplete()) {
        return;
      }
      written += bytes.length;
      out.write(Buffer.buffer(bytes)).onFailure(this::fail);
      if (out.writeQueueFull()) {
        out.drainHandler(drained -> subscription.request(1));
      } else {
        subscription.request(1);
      }
    });
  }

  @Override
  public void onError(Throwable failure) {
    context.runOnContext(v -> fail(failure));
  }

  @Override
  public void onComplete() {
    context.runOnContext(v -> {
      if (written != expected) {
        fail(new IllegalStateException("the bucket sent " + written + " bytes, not " + expected));
      } else {
        done.tryComplete();
      }
    });
  }

  private void fail(Throwable failure) {
    if (done.tryFail(failure) && subscription != null) {
      subscription.cancel();
    }
  }
}
