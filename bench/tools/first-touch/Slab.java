// Whether allocating direct memory in larger pieces makes its first touch cheaper: 256 MiB of
// ByteBuffer.allocateDirect in 64 KiB, 1 MiB, 4 MiB and 32 MiB pieces (the JDK zeroes each, touching it).
//   taskset -c 1 java Slab.java
// Figures: bench/results/2026-11-25-pretouch/notes.md.
import java.nio.ByteBuffer;
import java.util.*;
public class Slab {
  public static void main(String[] a) {
    for (int size : new int[]{65536, 1 << 20, 4 << 20, 32 << 20}) {
      List<ByteBuffer> list = new ArrayList<>();
      long t0 = System.nanoTime();
      for (long done = 0; done < (256L << 20); done += size) list.add(ByteBuffer.allocateDirect(size));
      long t1 = System.nanoTime();
      System.out.printf("allocateDirect 256MiB in %d KiB pieces: %d ms%n", size >> 10, (t1 - t0) / 1000000);
    }
  }
}
