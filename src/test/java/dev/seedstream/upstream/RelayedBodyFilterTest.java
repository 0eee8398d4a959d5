package dev.seedstream.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("/v1 body filter")
class RelayedBodyFilterTest {

  static final String KEY = "sk-CANARY-test-key-0123456789abcdef";
  static final UpstreamErrors ERRORS = new UpstreamErrors(KEY);

  static String filtered(String body, int chunk) {
    Buffer out = Buffer.buffer();
    RelayedBodyFilter filter = new RelayedBodyFilter(ERRORS, out::appendBuffer);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += chunk) {
      filter.accept(Buffer.buffer().appendBytes(bytes, i, Math.min(chunk, bytes.length - i)));
    }
    filter.end();
    return out.toString(StandardCharsets.UTF_8);
  }

  static String base64(int bytes) {
    byte[] data = new byte[bytes];
    new Random(3).nextBytes(data);
    return Base64.getEncoder().encodeToString(data);
  }

  @Test
  @DisplayName("a body without the key comes out byte for byte, however it is cut into chunks")
  void cleanBodyUnchanged() {
    String body = "event: image_generation.partial_succeeded\r\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"b64_json\":\"" + base64(100_000) + "\",\"size\":\"2048x2048\"}\r\n\r\n"
      + ": keep-alive\n\ndata: {\"type\":\"x\",\"m\":\"caf\u00e9 \\u00e9\"}\n\ndata: [DONE]\n\n{\"tail\":1}";
    for (int chunk : new int[] {1, 7, 4096, 65_536, 1 << 20}) {
      assertThat(filtered(body, chunk)).as("chunks of %d", chunk).isEqualTo(body);
    }
  }

  @Test
  @DisplayName("the key is found across chunk boundaries, in short and long lines, and the image stays intact")
  void keyAcrossChunks() {
    String image = base64(100_000);
    String body = "data: {\"message\":\"" + KEY.toUpperCase() + "\"}\n\n"
      + "data: {\"note\":\"" + KEY + "\",\"b64_json\":\"" + image + "\",\"after\":\"x" + KEY.substring(2) + "\"}\n\n";
    for (int chunk : new int[] {1, 5, 13, 4096, 1 << 20}) {
      String out = filtered(body, chunk);
      assertThat(out).as("chunks of %d", chunk).doesNotContainIgnoringCase(KEY.substring(3, 15))
        .doesNotContainIgnoringCase(KEY.substring(20)).contains(image).contains("[redacted]");
    }
  }

  @Test
  @DisplayName("issue 25: a chunk of whole small events goes to the client as one write, not one per line")
  void oneWritePerChunk() {
    List<String> writes = new ArrayList<>();
    RelayedBodyFilter filter = new RelayedBodyFilter(ERRORS, b -> writes.add(b.toString(StandardCharsets.UTF_8)));
    String events = "event: image_generation.partial_succeeded\r\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"url\":\"https://img.example/0.jpeg?t=1\"}\r\n\r\n"
      + "event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":1,\"url\":\"https://img.example/1.jpeg?t=2\"}\n\n";
    filter.accept(Buffer.buffer(events));
    assertThat(writes).containsExactly(events);
    // The key in a later chunk is still taken out, in that chunk's one write.
    filter.accept(Buffer.buffer("data: {\"message\":\"" + KEY + "\"}\n\n"));
    assertThat(writes).hasSize(2);
    assertThat(writes.get(1)).doesNotContain(KEY).contains("[redacted]");
  }

  @Test
  @DisplayName("a base64 run ends at its first other byte, whatever the byte and in heap, offset and direct chunks")
  void base64RunEnds() {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    byte[] run = base64(30_000).getBytes(StandardCharsets.US_ASCII);
    for (int value = 0; value < 256; value++) {
      boolean inAlphabet = alphabet.indexOf(value) >= 0;
      for (int at : new int[] {0, 1, 7, 16_383, 16_384, run.length - 1}) {
        byte[] bytes = run.clone();
        bytes[at] = (byte) value;
        int expected = inAlphabet ? bytes.length : at;
        ByteBuf padded = Unpooled.buffer(bytes.length + 10).writeZero(3).writeBytes(bytes).writeZero(7);
        Buffer offset = BufferInternal.buffer(padded.slice(3, bytes.length));
        ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        try {
          for (Buffer chunk : List.of(Buffer.buffer(bytes), offset, BufferInternal.buffer(direct))) {
            assertThat(RelayedBodyFilter.endOfBase64(chunk, 0)).as("byte %d at %d", value, at).isEqualTo(expected);
            int from = Math.min(at, 5);
            assertThat(RelayedBodyFilter.endOfBase64(chunk, from)).as("from %d", from).isEqualTo(expected);
          }
        } finally {
          direct.release();
        }
      }
    }
  }

  @Test
  @DisplayName("an 8 MiB image line costs one quick pass (measured and printed)")
  void largeImageLine() {
    String image = base64(6 * 1024 * 1024);
    byte[] line = ("data: {\"type\":\"image_generation.partial_succeeded\",\"b64_json\":\"" + image + "\"}\n\n")
      .getBytes(StandardCharsets.US_ASCII);
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long[] length = {0};
      RelayedBodyFilter filter = new RelayedBodyFilter(ERRORS, b -> length[0] += b.length());
      long start = System.nanoTime();
      for (int i = 0; i < line.length; i += 65_536) {
        filter.accept(Buffer.buffer().appendBytes(line, i, Math.min(65_536, line.length - i)));
      }
      filter.end();
      best = Math.min(best, System.nanoTime() - start);
      assertThat(length[0]).isEqualTo(line.length);
    }
    System.out.printf("/v1 filter, %.1f MiB image line: best of 5 %.2f ms%n", line.length / 1048576.0, best / 1e6);
  }
}
