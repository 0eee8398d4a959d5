import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How much faster the SSE parser's per-byte check of an image's base64 (SseParser.dataLineEnd: where the data
 * line ends, and that every byte before it is a base64 character) could be with SIMD, and what SIMD costs before
 * the JIT has compiled it. Java 17 has SIMD only in the incubating Vector API, so this runs apart from the gateway:
 *
 *   taskset -c 1 java --add-modules jdk.incubator.vector bench/tools/simd-scan/Base64RunScan.java
 *
 * (add -XX:UseAVX=2 to see a machine without AVX-512). It checks both scans against each other on every byte
 * value first, then times one 8 MiB image line (the benchmark's S4 size): the first pass of each (interpreted,
 * then compiled on the way), with what it allocated, and the steady state.
 */
public class Base64RunScan {

  private static final byte[] ALPHABET_CLASS = new byte[256];

  static {
    Arrays.fill(ALPHABET_CLASS, (byte) 1);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < chars.length(); i++) {
      ALPHABET_CLASS[chars.charAt(i)] = 0;
    }
  }

  private static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;

  /** The gateway's way: one table lookup per byte. Returns the index of the first byte that is not base64. */
  static int scalar(byte[] b, int i, int end) {
    while (i < end && ALPHABET_CLASS[b[i] & 0xff] == 0) {
      i++;
    }
    return i;
  }

  /** The same answer, a vector of bytes at a time: letters (case folded), digits, '+' and '/'. */
  static int vector(byte[] b, int i, int end) {
    int bound = end - SPECIES.length();
    while (i <= bound) {
      ByteVector v = ByteVector.fromArray(SPECIES, b, i);
      ByteVector folded = v.and((byte) 0xDF);
      VectorMask<Byte> ok = folded.compare(VectorOperators.GE, (byte) 'A').and(folded.compare(VectorOperators.LE, (byte) 'Z'))
        .or(v.compare(VectorOperators.GE, (byte) '0').and(v.compare(VectorOperators.LE, (byte) '9')))
        .or(v.compare(VectorOperators.EQ, (byte) '+')).or(v.compare(VectorOperators.EQ, (byte) '/'));
      if (!ok.allTrue()) {
        return i + ok.not().firstTrue();
      }
      i += SPECIES.length();
    }
    return scalar(b, i, end);
  }

  interface Scan {
    int run(byte[] b, int i, int end);
  }

  public static void main(String[] args) {
    for (int c = 0; c < 256; c++) {
      byte[] t = new byte[200];
      Arrays.fill(t, (byte) 'A');
      t[150] = (byte) c;
      int expected = ALPHABET_CLASS[c] == 0 ? 200 : 150;
      if (scalar(t, 0, 200) != expected || vector(t, 0, 200) != expected) {
        throw new AssertionError("byte " + c);
      }
    }
    byte[] line = new byte[8 << 20];
    Random random = new Random(1);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < line.length; i++) {
      line[i] = (byte) chars.charAt(random.nextInt(64));
    }
    line[line.length - 1] = '"';
    System.out.println(System.getProperty("java.vm.version") + ", vector species " + SPECIES);
    report("scalar", Base64RunScan::scalar, line);
    report("vector", Base64RunScan::vector, line);
  }

  private static void report(String name, Scan scan, byte[] line) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocated = threads.getCurrentThreadAllocatedBytes();
    long start = System.nanoTime();
    int end = scan.run(line, 0, line.length);
    long first = System.nanoTime() - start;
    allocated = threads.getCurrentThreadAllocatedBytes() - allocated;
    if (end != line.length - 1) {
      throw new AssertionError(name + " stopped at " + end);
    }
    long[] times = new long[50];
    for (int round = 0; round < times.length; round++) {
      long t0 = System.nanoTime();
      scan.run(line, 0, line.length);
      times[round] = System.nanoTime() - t0;
    }
    Arrays.sort(times);
    System.out.printf("%s: first 8 MiB pass %.1f ms, allocating %d MiB; then median %.2f ms (%.1f GB/s), best %.2f ms%n",
      name, first / 1e6, allocated >> 20, times[times.length / 2] / 1e6, line.length / (double) times[times.length / 2],
      times[0] / 1e6);
  }
}
