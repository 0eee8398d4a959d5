package dev.seedstream.validation;

import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks one entry of the request's {@code image} field and turns it into what the upstream gets:
 * an http(s) URL as it is (never fetched), a {@code data:} image with its media type in lower case,
 * or an {@code upload:<id>} inlined as a {@code data:} image.
 */
final class ReferenceImageIntake {

  static final String UPLOAD_PREFIX = "upload:";
  private static final Pattern DATA_URI_HEAD = Pattern.compile("data:image/([a-z0-9.+-]+);base64", Pattern.CASE_INSENSITIVE);

  private final UploadStore uploads;
  private final ReferenceUrlPolicy urls = new ReferenceUrlPolicy();

  ReferenceImageIntake(UploadStore uploads) {
    this.uploads = uploads;
  }

  /** The upstream form of {@code entry}, or empty after recording at least one violation on {@code field}. */
  Optional<String> accept(String entry, String field, ReferenceImageSpec rules, Findings findings) {
    if (entry.regionMatches(true, 0, "data:", 0, 5)) {
      return dataUri(entry, field, rules, findings);
    }
    if (entry.startsWith(UPLOAD_PREFIX)) {
      return upload(entry.substring(UPLOAD_PREFIX.length()), field, rules, findings);
    }
    Optional<String> problem = urls.problem(entry);
    problem.ifPresent(message -> findings.violation(field, message));
    return problem.isPresent() ? Optional.empty() : Optional.of(entry);
  }

  private Optional<String> dataUri(String entry, String field, ReferenceImageSpec rules, Findings findings) {
    int comma = entry.indexOf(',');
    Matcher head = DATA_URI_HEAD.matcher(comma < 0 ? entry : entry.substring(0, comma));
    if (comma < 0 || !head.matches()) {
      findings.violation(field, "a data URI must look like data:image/png;base64,… or data:image/jpeg;base64,…");
      return Optional.empty();
    }
    String declared = declaredFormat(head.group(1));
    if (!rules.formats().contains(declared)) {
      findings.violation(field, "image/" + head.group(1) + " is not accepted; use one of " + rules.formats());
      return Optional.empty();
    }
    String payload = entry.substring(comma + 1);
    return decode(payload, field, rules, findings)
      .filter(bytes -> checkImage(bytes, declared, field, rules, findings))
      .map(bytes -> dataUri(declared, payload));
  }

  private static String declaredFormat(String subtype) {
    String lower = subtype.toLowerCase(Locale.ROOT);
    return lower.equals("jpg") ? "jpeg" : lower;
  }

  private static Optional<byte[]> decode(String payload, String field, ReferenceImageSpec rules, Findings findings) {
    if (payload.length() % 4 != 0) {
      findings.violation(field, "the base64 data is not valid: its length is not a multiple of 4");
      return Optional.empty();
    }
    long size = decodedSize(payload);
    if (size > rules.maxBytes()) {
      // Refuse before decoding: the check must not cost the memory it is meant to protect.
      findings.violation(field, "is " + size + " bytes, more than the " + rules.maxBytes() + " allowed");
      return Optional.empty();
    }
    try {
      return Optional.of(Base64.getDecoder().decode(payload));
    } catch (IllegalArgumentException e) {
      findings.violation(field, "the base64 data is not valid: " + e.getMessage());
      return Optional.empty();
    }
  }

  private static long decodedSize(String payload) {
    int padding = payload.endsWith("==") ? 2 : payload.endsWith("=") ? 1 : 0;
    return payload.length() / 4L * 3 - padding;
  }

  private static boolean checkImage(byte[] bytes, String declared, String field, ReferenceImageSpec rules, Findings findings) {
    ImageInfo info;
    try {
      info = ImageHeaderReader.read(bytes);
    } catch (ImageHeaderException e) {
      findings.violation(field, e.getMessage());
      return false;
    }
    if (!info.format().equals(declared)) {
      findings.violation(field, "declared as image/" + declared + " but the data is a " + info.format() + " image");
      return false;
    }
    return meetsRules(info, bytes.length, field, rules, findings);
  }

  private Optional<String> upload(String id, String field, ReferenceImageSpec rules, Findings findings) {
    Optional<UploadStore.Stored> stored = uploads.get(id);
    if (stored.isEmpty()) {
      findings.violation(field, "upload " + id + " is unknown or has expired; upload the image again");
      return Optional.empty();
    }
    Upload upload = stored.get().upload();
    if (!meetsRules(upload.info(), upload.bytes(), field, rules, findings)) {
      return Optional.empty();
    }
    return Optional.of(dataUri(upload.format(), Base64.getEncoder().encodeToString(stored.get().content())));
  }

  private static boolean meetsRules(ImageInfo info, long bytes, String field, ReferenceImageSpec rules, Findings findings) {
    var problems = rules.problems(info, bytes);
    problems.forEach(problem -> findings.violation(field, "image " + problem));
    return problems.isEmpty();
  }

  private static String dataUri(String format, String base64) {
    return "data:image/" + format + ";base64," + base64;
  }
}
