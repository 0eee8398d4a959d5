// How long a first touch of memory takes on the benchmark machine: 256 MiB of 64 KiB direct buffers,
// allocated, written once, written again, then 256 MiB of fresh heap arrays. The first write pays a page
// fault per 4 KiB page, the second does not. Run pinned, with and without a pre-touched heap:
//   taskset -c 1 java -Xms2g Touch.java
//   taskset -c 1 java -Xms2g -XX:+AlwaysPreTouch Touch.java
// Figures and conclusions: bench/results/2026-11-25-pretouch/notes.md.
import java.nio.ByteBuffer;
import java.util.*;
public class Touch {
  public static void main(String[] a) {
    int blocks = 4096; // 256 MiB of 64 KiB
    List<ByteBuffer> list = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < blocks; i++) list.add(ByteBuffer.allocateDirect(65536));
    long t1 = System.nanoTime();
    byte[] src = new byte[65536];
    for (ByteBuffer b : list) { b.clear(); b.put(src); }
    long t2 = System.nanoTime();
    for (ByteBuffer b : list) { b.clear(); b.put(src); }
    long t3 = System.nanoTime();
    System.out.printf("allocateDirect 256MiB: %d ms, first write: %d ms, second write: %d ms%n", (t1-t0)/1000000, (t2-t1)/1000000, (t3-t2)/1000000);
    // heap: fresh arrays
    long t4 = System.nanoTime();
    List<byte[]> h = new ArrayList<>();
    for (int i = 0; i < 4096; i++) h.add(new byte[65536]);
    long t5 = System.nanoTime();
    System.out.printf("heap 256MiB new byte[]: %d ms%n", (t5-t4)/1000000);
  }
}
