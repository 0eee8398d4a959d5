package dev.seedstream.bench;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventStreamReaderTest {

  private static final String UPSTREAM = "event: image_generation.partial_succeeded\n"
    + "data: {\"type\":\"image_generation.partial_succeeded\",\"image_index\":0,"
    + "\"url\":\"http://127.0.0.1/bench/0.jpeg?t=123456789\",\"size\":\"2048x2048\",\"b64_json\":\"" + "A".repeat(5000)
    + "\"}\n\n"
    + "event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\"}\n\ndata: [DONE]\n\n";

  private static final String JOB_API = "retry: 3000\n\n: ping\n\n"
    + "id: 1\nevent: started\ndata: {\"id\":\"x\"}\n\n"
    + "id: 2\r\nevent: image\r\ndata: {\"index\":0,\"url\":\"http://127.0.0.1/bench/0.jpeg?t=42\"}\r\n\r\n"
    + "id: 3\nevent: image_failed\ndata: {\"index\":1}\n\n"
    + "id: 4\nevent: error\ndata: {\"code\":\"upstream_timeout\"}\n\n";

  @Test
  void readsTheStampAndTheNormalEndOfAnUpstreamStream() {
    Recorder r = feedWhole(UPSTREAM);
    assertThat(r.stamps).containsExactly(123456789L);
    assertThat(r.bytes).containsExactly((long) UPSTREAM.indexOf("\n\n") + 2);
    assertThat(r.terminals).containsExactly("ok");
  }

  @Test
  void anySplitOfTheBytesGivesTheSameEvents() {
    Recorder whole = feedWhole(UPSTREAM + JOB_API);
    byte[] bytes = (UPSTREAM + JOB_API).getBytes(StandardCharsets.UTF_8);
    for (int cut = 1; cut < bytes.length; cut += 7) {
      Recorder split = new Recorder();
      EventStreamReader reader = new EventStreamReader(split);
      reader.feed(Unpooled.wrappedBuffer(bytes, 0, cut), 1);
      reader.feed(Unpooled.wrappedBuffer(bytes, cut, bytes.length - cut), 2);
      assertThat(split.stamps).as("cut at %d", cut).isEqualTo(whole.stamps);
      assertThat(split.bytes).as("cut at %d", cut).isEqualTo(whole.bytes);
      assertThat(split.terminals).as("cut at %d", cut).isEqualTo(whole.terminals);
    }
  }

  @Test
  void readsTheJobApiFramingWithCrlfAndReportsFailures() {
    Recorder r = feedWhole(JOB_API);
    assertThat(r.stamps).containsExactly(42L);
    assertThat(r.failedImages).isEqualTo(1);
    assertThat(r.terminals).containsExactly("error");
  }

  @Test
  void theLastByteTimeIsTheArrivalOfTheChunkThatEndsTheEvent() {
    Recorder r = new Recorder();
    EventStreamReader reader = new EventStreamReader(r);
    int cut = UPSTREAM.indexOf("b64_json") + 100;
    reader.feed(Unpooled.copiedBuffer(UPSTREAM.substring(0, cut), StandardCharsets.UTF_8), 1000);
    reader.feed(Unpooled.copiedBuffer(UPSTREAM.substring(cut), StandardCharsets.UTF_8), 5000);
    assertThat(r.firstByteTimes).containsExactly(1000L);
    assertThat(r.lastByteTimes).containsExactly(5000L);
  }

  private static Recorder feedWhole(String text) {
    Recorder r = new Recorder();
    new EventStreamReader(r).feed(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8), 1);
    return r;
  }

  private static final class Recorder implements EventStreamReader.Sink {
    final List<Long> stamps = new ArrayList<>();
    final List<Long> bytes = new ArrayList<>();
    final List<Long> firstByteTimes = new ArrayList<>();
    final List<Long> lastByteTimes = new ArrayList<>();
    final List<String> terminals = new ArrayList<>();
    int failedImages;

    @Override
    public void image(long stampNanos, long firstByteNanos, long lastByteNanos, long eventBytes) {
      stamps.add(stampNanos);
      bytes.add(eventBytes);
      firstByteTimes.add(firstByteNanos);
      lastByteTimes.add(lastByteNanos);
    }

    @Override
    public void imageFailed() {
      failedImages++;
    }

    @Override
    public void terminal(String failure) {
      terminals.add(failure == null ? "ok" : failure);
    }
  }
}
