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
      long sink = 0;
      for (int i = 0; i < 3_000_000; i++) { byte[] g = new byte[100]; sinkRef = g; }
      System.out.print("");
    }
    System.out.println("kept " + keep.size());
  }
}
