package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.Violation;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Checks a generation request against every rule of the seed (docs/upstream-protocol.md §2.3) before
 * any paid call. Either returns the normalised request or throws {@link ApiException#invalid} listing
 * every broken rule with the path of its field.
 */
public final class RequestValidator {

  private final ModelCatalog catalog;
  private final ReferenceImageIntake intake;
  private final int maxPromptChars;

  /** @param maxPromptChars hard cap on a prompt's length ({@code SEEDSTREAM_MAX_PROMPT_CHARS}) */
  public RequestValidator(ModelCatalog catalog, UploadStore uploads, int maxPromptChars) {
    this.catalog = catalog;
    this.intake = new ReferenceImageIntake(uploads);
    this.maxPromptChars = maxPromptChars;
  }

  public ValidatedRequest validate(JsonObject body) {
    if (body == null) {
      throw ApiException.invalid(List.of(new Violation("body", "must be a JSON object")));
    }
    return new RequestCheck(catalog, intake, maxPromptChars, body).run();
  }
}
