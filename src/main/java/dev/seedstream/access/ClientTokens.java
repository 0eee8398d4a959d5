package dev.seedstream.access;

import dev.seedstream.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The client tokens of {@code SEEDSTREAM_TOKENS}: {@code name:token} pairs, comma-separated, or
 * {@code @/path/file} with one pair per line. Only SHA-256 hashes are kept, and a presented token is
 * compared with every one of them in constant time, so neither the memory nor the timing of a check
 * tells how close a guess was. Messages never contain a token, only its entry number.
 *
 * <p>An entry may end with budget limits after one more colon, {@code name:token:daily=5USD,monthly=100USD}
 * ({@link BudgetLimits}). In the comma-separated form a piece that is a limit belongs to the entry before it.
 */
public final class ClientTokens {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MIN_TOKEN = 16;

  private record Entry(String name, byte[] hash, BudgetLimits limits) {
  }
  /** {@code :limit[,limit]…} at the end of an entry: what follows the last colon, if it is only limits. */
  private static final Pattern LIMITS_SUFFIX = Pattern.compile(":((?:daily|monthly)(?:_images)?=[^:]*)$");

  private final List<Entry> entries;

  private ClientTokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Parses the setting; a malformed list stops start-up with a {@link ConfigException}. */
  public static ClientTokens parse(String spec) {
    List<String> lines = spec.startsWith("@") ? readFile(Path.of(spec.substring(1).trim())) : joinLimits(spec.split(","));
    List<Entry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    int number = 0;
    for (String line : lines) {
      String pair = line.strip();
      if (pair.isEmpty() || pair.startsWith("#")) {
        continue;
      }
      number++;
      Entry entry = entry(pair, number);
      if (!names.add(entry.name()) || !hashes.add(java.util.HexFormat.of().formatHex(entry.hash()))) {
        throw new ConfigException("SEEDSTREAM_TOKENS: entry " + number + " repeats a name or a token");
      }
      entries.add(entry);
    }
    if (entries.isEmpty()) {
      throw new ConfigException("SEEDSTREAM_TOKENS: no name:token pair found");
    }
    return new ClientTokens(entries);
  }

  /** The name of the client whose token this is, if any. Every entry is compared, match or not. */
  public Optional<String> authenticate(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    byte[] hash = sha256(presented);
    String found = null;
    for (Entry entry : entries) {
      if (MessageDigest.isEqual(entry.hash(), hash)) {
        found = entry.name();
      }
    }
    return Optional.ofNullable(found);
  }

  /** Each token name with budget limits, and its limits. */
  public java.util.Map<String, BudgetLimits> budgets() {
    java.util.Map<String, BudgetLimits> budgets = new java.util.HashMap<>();
    entries.stream().filter(entry -> entry.limits() != null).forEach(entry -> budgets.put(entry.name(), entry.limits()));
    return budgets;
  }

  /** Comma-separated entries, where a piece that is a limit ({@code monthly=100USD}) continues the entry before it. */
  private static List<String> joinLimits(String[] pieces) {
    List<String> entries = new ArrayList<>();
    for (String piece : pieces) {
      if (!entries.isEmpty() && BudgetLimits.LIMIT.matcher(piece.strip()).matches()) {
        entries.set(entries.size() - 1, entries.get(entries.size() - 1) + "," + piece.strip());
      } else {
        entries.add(piece);
      }
    }
    return entries;
  }

  public int size() {
    return entries.size();
  }

  private static Entry entry(String pair, int number) {
    int colon = pair.indexOf(':');
    if (colon < 0) {
      throw new ConfigException("SEEDSTREAM_TOKENS: entry " + number + " is not name:token");
    }
    String name = pair.substring(0, colon).strip();
    String token = pair.substring(colon + 1).strip();
    BudgetLimits limits = null;
    var suffix = LIMITS_SUFFIX.matcher(token);
    if (suffix.find()) {
      limits = BudgetLimits.parse(suffix.group(1), "entry " + number);
      token = token.substring(0, suffix.start()).strip();
    }
    if (!NAME.matcher(name).matches()) {
      throw new ConfigException("SEEDSTREAM_TOKENS: entry " + number + " needs a name of 1-64 letters, digits, '.', '_' or '-'");
    }
    if (token.length() < MIN_TOKEN || token.chars().anyMatch(c -> c <= ' ' || c == 127)) {
      throw new ConfigException("SEEDSTREAM_TOKENS: the token of '" + name + "' must be at least " + MIN_TOKEN
        + " printable characters without spaces");
    }
    return new Entry(name, sha256(token), limits);
  }

  private static List<String> readFile(Path path) {
    try {
      return Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException("SEEDSTREAM_TOKENS: cannot read token file " + path + ": " + e.getClass().getSimpleName());
    }
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
