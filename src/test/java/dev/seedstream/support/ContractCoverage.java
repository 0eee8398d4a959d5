package dev.seedstream.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Which tests checked which part of the contract: each operation and status, each channel and message.
 * Kept only when the system property {@code seedstream.contract.coverage} names a file, written there when
 * the test JVM exits: {@code mvn verify -Dseedstream.contract.coverage=target/contract-coverage.txt}.
 */
public final class ContractCoverage {

  private static final String FILE = System.getProperty("seedstream.contract.coverage");
  private static final Map<String, Set<String>> CHECKED = new ConcurrentHashMap<>();

  static {
    if (FILE != null) {
      Runtime.getRuntime().addShutdownHook(new Thread(ContractCoverage::write));
    }
  }

  private ContractCoverage() {
  }

  /** The test calling a helper: the nearest class on the stack whose name ends in Test, and its method. */
  public static String caller() {
    if (FILE == null) {
      return null;
    }
    return StackWalker.getInstance().walk(frames -> frames
      .filter(f -> f.getClassName().endsWith("Test") || f.getClassName().contains("Test$"))
      .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
      .findFirst().orElse("?"));
  }

  static void checked(String caller, String what) {
    if (FILE != null && caller != null && what != null) {
      CHECKED.computeIfAbsent(what, k -> ConcurrentHashMap.newKeySet()).add(caller);
    }
  }

  private static void write() {
    Map<String, Set<String>> sorted = new TreeMap<>();
    CHECKED.forEach((what, tests) -> sorted.put(what, new TreeSet<>(tests)));
    String text = sorted.entrySet().stream().map(e -> e.getKey() + "\t" + e.getValue().size() + "\t" + String.join(" ", e.getValue()))
      .collect(Collectors.joining("\n", "", "\n"));
    try {
      Path file = Path.of(FILE);
      // Surefire may run more than one JVM (the heap-measured tests have their own): append.
      Files.writeString(file, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
