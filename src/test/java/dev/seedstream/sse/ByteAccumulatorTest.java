package dev.seedstream.sse;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("ByteAccumulator and EventData: block-wise growth, off-heap blocks, handed off and given back")
class ByteAccumulatorTest {

  @ParameterizedTest(name = "{0} bytes in pieces of {1}, pool of {2} blocks")
  @CsvSource({"0,1,8", "1,1,8", "65535,7,8", "65536,65536,8", "65537,4096,8", "200000,1,8", "1048579,10000,64",
    "1048579,10000,3", "3000000,65536,0"})
  void keepsEveryByteInOrder(int total, int piece, int poolBlocks) throws IOException {
    byte[] input = new byte[total];
    new Random(total).nextBytes(input);
    BlockPool pool = new BlockPool((long) poolBlocks * BlockPool.BLOCK);
    ByteAccumulator acc = new ByteAccumulator(total + 3, pool);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int at = 0; at < total; at += piece) {
      int n = Math.min(piece, total - at);
      if (n == 1) {
        acc.append(input[at]);
      } else {
        acc.append(input, at, n);
      }
      expected.write(input, at, n);
    }
    assertThat(acc.size()).isEqualTo(total);
    long blocksAfterFirst = total <= BlockPool.BLOCK ? 0 : (total - 1) / BlockPool.BLOCK;
    assertThat(pool.bytesInUse()).as("blocks past the first come from the pool while it lasts")
      .isEqualTo(Math.min(blocksAfterFirst, poolBlocks) * BlockPool.BLOCK);
    EventData data = acc.handOff(Base64Runs.NONE);
    assertThat(acc.size()).isZero();
    assertThat(data.size()).isEqualTo(total);
    assertThat(data.stream().readAllBytes()).isEqualTo(expected.toByteArray());
    if (total > 10) {
      byte[] middle = new byte[7];
      data.copy(total / 2 - 3, middle, 0, 7);
      assertThat(middle).isEqualTo(java.util.Arrays.copyOfRange(input, total / 2 - 3, total / 2 + 4));
      assertThat(data.get(total - 1)).isEqualTo(input[total - 1]);
      // Straight into a direct buffer, as a frame's slice is, from a start that crosses block boundaries.
      int from = Math.min(total - 1, BlockPool.BLOCK - 5);
      io.netty.buffer.ByteBuf target = io.netty.buffer.Unpooled.directBuffer(total - from);
      data.copyTo(from, target, total - from);
      byte[] copied = new byte[target.readableBytes()];
      target.getBytes(0, copied);
      target.release();
      assertThat(copied).isEqualTo(java.util.Arrays.copyOfRange(input, from, total));
    }
    acc.append(new byte[] {1, 2, 3}, 0, 3);
    assertThat(acc.handOff(Base64Runs.NONE).stream().readAllBytes()).as("starts again, without touching handed-off bytes").containsExactly(1, 2, 3);
    assertThat(data.stream().readAllBytes()).isEqualTo(expected.toByteArray());
    data.release();
    data.release();
    assertThat(pool.bytesInUse()).as("released once, whatever the calls").isZero();
    assertThatThrownBy(() -> data.get(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("a shared handle keeps the blocks readable after the first holder lets go, on another thread too; the last release gives them back")
  void sharedHandleOutlivesTheFirst() throws Exception {
    BlockPool pool = new BlockPool(8L * BlockPool.BLOCK);
    ByteAccumulator acc = new ByteAccumulator(300_000, pool);
    byte[] input = new byte[200_000];
    new Random(7).nextBytes(input);
    acc.append(input, 0, input.length);
    EventData owner = acc.handOff(Base64Runs.NONE);
    long held = pool.bytesInUse();
    assertThat(held).isPositive();

    EventData shared = owner.share();
    owner.release();
    owner.release();
    assertThat(pool.bytesInUse()).as("still held by the shared handle").isEqualTo(held);
    assertThatThrownBy(() -> owner.get(0)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(owner::share).isInstanceOf(IllegalStateException.class);
    java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return shared.stream().readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(read.get()).isEqualTo(input);
    shared.release();
    assertThat(pool.bytesInUse()).as("the last handle gave the blocks back").isZero();
  }

  @Test
  @DisplayName("clear gives pooled blocks back; contains and decode read across blocks; the limit holds")
  void clearContainsAndLimit() {
    BlockPool pool = new BlockPool(16L * BlockPool.BLOCK);
    ByteAccumulator acc = new ByteAccumulator(200_000, pool);
    acc.append(new byte[150_000], 0, 150_000);
    assertThat(acc.contains((byte) 7)).isFalse();
    acc.append((byte) 7);
    assertThat(acc.contains((byte) 7)).isTrue();
    assertThat(acc.decode()).hasSize(150_001);
    assertThatThrownBy(() -> acc.append(new byte[50_000], 0, 50_000)).isInstanceOf(IllegalStateException.class);
    assertThat(acc.size()).isEqualTo(150_001);
    assertThat(pool.bytesInUse()).isEqualTo(2L * BlockPool.BLOCK);
    acc.clear();
    assertThat(pool.bytesInUse()).isZero();
    assertThat(pool.bytesAllocated()).as("kept for reuse").isEqualTo(2L * BlockPool.BLOCK);
  }

  @Test
  @DisplayName("a spent pool makes the parser keep bytes on the heap; an oversized event gives its blocks back")
  void spentPoolAndOversizedEvent() {
    BlockPool pool = new BlockPool(BlockPool.BLOCK);
    java.util.List<SseEvent> events = new java.util.ArrayList<>();
    SseParser parser = new SseParser(300_000, pool, events::add);
    String big = "x".repeat(250_000);
    parser.feed(("data: " + big + "\n\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(events.get(0).data()).isEqualTo(big);
    assertThat(pool.bytesInUse()).isEqualTo(BlockPool.BLOCK);
    events.get(0).payload().release();
    assertThat(pool.bytesInUse()).isZero();
    assertThatThrownBy(() -> parser.feed(("data: " + "y".repeat(310_000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
      .isInstanceOf(SseEventTooLargeException.class);
    assertThat(pool.bytesInUse()).as("the half-read event's blocks").isZero();
  }

  @Test
  @DisplayName("a pool whose direct memory runs out stops asking and hands out what it has")
  void directMemoryLimit() throws Exception {
    // A child JVM with 1 MiB of direct memory and a 64 MiB budget: the 17th block cannot be had.
    String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(javaBin, "-XX:MaxDirectMemorySize=1m", "-cp", System.getProperty("java.class.path"),
      DirectMemoryProbe.class.getName()).redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(child.waitFor()).as(out).isZero();
    assertThat(out).as("16 blocks, refused at once the next time, a given-back block handed out again")
      .isEqualTo("16 true true true 1048576");
  }

  /** Run in a child JVM by {@link #directMemoryLimit()}: acquires until refused, twice. */
  static final class DirectMemoryProbe {
    public static void main(String[] args) {
      BlockPool pool = new BlockPool(64L << 20);
      java.util.List<java.nio.ByteBuffer> held = new java.util.ArrayList<>();
      for (java.nio.ByteBuffer block = pool.acquire(); block != null; block = pool.acquire()) {
        held.add(block);
      }
      int first = held.size();
      long start = System.nanoTime();
      boolean refusedAgain = pool.acquire() == null;
      long askedAgainMs = (System.nanoTime() - start) / 1_000_000;
      pool.release(held.remove(0));
      boolean reused = pool.acquire() != null;
      System.out.println(first + " " + refusedAgain + " " + (askedAgainMs < 50) + " " + reused + " " + pool.bytesAllocated());
    }
  }
}
