package dev.seedstream.validation;

import dev.seedstream.failure.Violation;

import java.util.ArrayList;
import java.util.List;

/** What checking one request found: violations (the request is refused) and warnings (it goes ahead). */
final class Findings {

  private final List<Violation> violations = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  void violation(String field, String message) {
    violations.add(new Violation(field, message));
  }

  void warning(String message) {
    warnings.add(message);
  }

  List<Violation> violations() {
    return List.copyOf(violations);
  }

  List<String> warnings() {
    return List.copyOf(warnings);
  }

  boolean hasViolations() {
    return !violations.isEmpty();
  }
}
