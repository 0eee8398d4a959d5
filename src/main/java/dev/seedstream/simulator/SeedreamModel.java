package dev.seedstream.simulator;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/** The two models the simulator serves, with the size and prompt-mode rules of docs/upstream-protocol.md §2.1. */
enum SeedreamModel {

  V4_5("doubao-seedream-4-5-251128", 3_686_400, Set.of("2K", "4K"), false),
  V4_0("doubao-seedream-4-0-250828", 921_600, Set.of("1K", "2K", "4K"), true);

  static final long MAX_PIXELS = 16_777_216;

  private final String id;
  private final long minPixels;
  private final Set<String> sizeClasses;
  private final boolean fastPromptMode;

  SeedreamModel(String id, long minPixels, Set<String> sizeClasses, boolean fastPromptMode) {
    this.id = id;
    this.minPixels = minPixels;
    this.sizeClasses = sizeClasses;
    this.fastPromptMode = fastPromptMode;
  }

  static Optional<SeedreamModel> byId(String id) {
    return Arrays.stream(values()).filter(m -> m.id.equals(id)).findFirst();
  }

  String id() {
    return id;
  }

  long minPixels() {
    return minPixels;
  }

  boolean acceptsSizeClass(String sizeClass) {
    return sizeClasses.contains(sizeClass);
  }

  boolean acceptsFastPromptMode() {
    return fastPromptMode;
  }
}
