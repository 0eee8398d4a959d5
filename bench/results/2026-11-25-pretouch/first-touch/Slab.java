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
