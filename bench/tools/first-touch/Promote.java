// Young pauses that promote many small live objects into old-generation pages never touched before:
// six rounds of 300,000 linked nodes kept alive, with garbage churned between them to force young
// collections. Read the pauses from the GC log, with and without a pre-touched heap:
//   taskset -c 1 java -XX:+UseSerialGC -Xlog:gc Promote.java
//   taskset -c 1 java -XX:+UseSerialGC -XX:+AlwaysPreTouch -Xlog:gc Promote.java
// Figures: bench/results/2026-11-25-pretouch/notes.md.
import java.util.*;
public class Promote {
  static volatile Object sinkRef;
  static final class Node { Node next; long a, b; Object payload; }
  public static void main(String[] a) throws Exception {
    List<Node[]> keep = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      Node[] arr = new Node[300_000];
      for (int i = 0; i < arr.length; i++) { Node n = new Node(); n.payload = new byte[64]; if (i > 0) n.next = arr[i-1]; arr[i] = n; }
      keep.add(arr);
      // churn garbage to trigger young GCs
      for (int i = 0; i < 3_000_000; i++) { byte[] g = new byte[100]; sinkRef = g; }
      System.out.print("");
    }
    System.out.println("kept " + keep.size());
  }
}
