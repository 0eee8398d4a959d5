package dev.seedstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Packages depend downwards along the data flow: the HTTP layer may use every other package, none of the
 * layers below may use it, and {@code failure} (the error vocabulary they all share) uses none of them.
 * Read from the sources, so that a stray import or fully qualified name fails here rather than in a review.
 */
@DisplayName("Package layers")
class PackageLayersTest {

  private static final Path SOURCES = Path.of("src/main/java/dev/seedstream");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"job", "validation", "store", "upstream", "config", "sse", "failure"})
  @DisplayName("no layer below the HTTP layer names a class of it")
  void nothingBelowUsesHttp(String pkg) throws IOException {
    assertThat(referencesIn(pkg)).noneMatch(line -> line.contains("dev.seedstream.http."));
  }

  @Test
  @DisplayName("the error vocabulary is a leaf: it names no other package of the gateway")
  void failureIsALeaf() throws IOException {
    assertThat(referencesIn("failure")).allMatch(line -> line.contains("dev.seedstream.failure."));
  }

  /** Every line of the package's sources that names a package of the gateway, its own declaration aside. */
  private static List<String> referencesIn(String pkg) throws IOException {
    Path dir = SOURCES.resolve(pkg);
    assertThat(dir).isDirectory();
    List<String> lines = new ArrayList<>();
    int files = 0;
    try (Stream<Path> listing = Files.list(dir)) {
      for (Path file : listing.filter(f -> f.toString().endsWith(".java")).toList()) {
        files++;
        Files.readAllLines(file).stream().filter(line -> line.contains("dev.seedstream."))
          .filter(line -> !line.startsWith("package ")).map(line -> file.getFileName() + ": " + line.strip())
          .forEach(lines::add);
      }
    }
    assertThat(files).as("sources in " + dir).isPositive();
    return lines;
  }
}
