package dev.seedstream.validation;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A request that passed every rule, ready for the upstream.
 *
 * @param model           the catalogue id of the model
 * @param upstreamBody    the normalised upstream request: known fields only, {@code stream: true},
 *                        reference images in upstream form, {@code max_images} filled in for group mode
 * @param requestedImages 1, or the {@code max_images} upper bound in group mode
 * @param responseFormat  {@code url} or {@code b64_json}, as the upstream will answer
 * @param warnings        things the client should know that did not stop the request
 * @param estimate        the worst case in images and tokens, for dry runs and budgets
 * @param price           what the model costs, per the catalogue; null when it does not say
 */
public record ValidatedRequest(
  String model,
  JsonObject upstreamBody,
  int requestedImages,
  String responseFormat,
  List<String> warnings,
  Estimate estimate,
  Price price) {

  public ValidatedRequest(String model, JsonObject upstreamBody, int requestedImages, String responseFormat,
                          List<String> warnings, Estimate estimate) {
    this(model, upstreamBody, requestedImages, responseFormat, warnings, estimate, null);
  }

  /** The worst case in money, when the model has a price. */
  public java.util.Optional<Cost> maxCost() {
    return price == null || estimate == null ? java.util.Optional.empty() : java.util.Optional.of(price.worstCase(estimate));
  }
}
