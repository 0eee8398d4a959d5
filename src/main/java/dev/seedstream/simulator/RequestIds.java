package dev.seedstream.simulator;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** Request ids shaped like the real ones, so logs and error messages look as they will in production. */
final class RequestIds {

  private static final DateTimeFormatter RELAY_CLOCK = DateTimeFormatter.ofPattern("yyyyMMddHHmmss");
  private static final String LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final int ARK_LENGTH = 53;

  private RequestIds() {
  }

  /** Ark: {@code 02}, the epoch milliseconds, then hex, 53 characters in all ({@code 0217811616663391…}). */
  static String ark() {
    StringBuilder id = new StringBuilder("02").append(System.currentTimeMillis());
    while (id.length() < ARK_LENGTH) {
      id.append(Integer.toHexString(ThreadLocalRandom.current().nextInt(16)));
    }
    return id.toString();
  }

  /** new-api: local time, eight digits, eight letters ({@code 2025110219372122956275fVMryIXC}). */
  static String relay() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    StringBuilder id = new StringBuilder(LocalDateTime.now().format(RELAY_CLOCK));
    id.append(String.format("%08d", random.nextInt(100_000_000)));
    for (int i = 0; i < 8; i++) {
      id.append(LETTERS.charAt(random.nextInt(LETTERS.length())));
    }
    return id.toString();
  }
}
