package dev.seedstream.simulator;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An expected stream or body, written out literally, with placeholders for the values that change
 * from run to run: {@code «created»} (Unix seconds), {@code «url:N»} (a signed image URL for slot N
 * under {@code baseUrl}) and {@code «rid»} (an Ark request id). Everything else must match byte for byte.
 */
final class Transcript {

  private static final Pattern PLACEHOLDER = Pattern.compile("«([a-z]+)(?::(\\d+))?»");
  static final String ARK_REQUEST_ID = "02\\d{13}[0-9a-f]{38}";

  private Transcript() {
  }

  static Pattern pattern(String template, String baseUrl) {
    StringBuilder regex = new StringBuilder();
    Matcher placeholder = PLACEHOLDER.matcher(template);
    int literalStart = 0;
    while (placeholder.find()) {
      regex.append(Pattern.quote(template.substring(literalStart, placeholder.start())));
      regex.append(expand(placeholder.group(1), placeholder.group(2), baseUrl));
      literalStart = placeholder.end();
    }
    regex.append(Pattern.quote(template.substring(literalStart)));
    return Pattern.compile(regex.toString());
  }

  private static String expand(String name, String index, String baseUrl) {
    return switch (name) {
      case "created" -> "\\d{10}";
      case "rid" -> ARK_REQUEST_ID;
      case "url" -> Pattern.quote(baseUrl + "/images/") + ARK_REQUEST_ID + "_" + index
        + "\\.jpeg\\?X-Tos-Expires=86400&expires=\\d{13}&sig=[0-9a-f]{64}";
      default -> throw new IllegalArgumentException("unknown placeholder " + name);
    };
  }
}
