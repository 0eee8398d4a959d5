package dev.seedstream.validation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The model catalogue ({@code conf/models.json}): which models exist and every limit the gateway
 * checks before a paid call. Loaded once at start-up; a broken file stops start-up.
 */
public final class ModelCatalog {

  // Strict on purpose: a misspelt or mistyped key must fail loudly, not fall back to a default.
  private static final ObjectMapper MAPPER = JsonMapper.builder()
    .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
    .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
    .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
    .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
    .build();

  private record CatalogFile(String defaultModel, Map<String, ModelSpec> models) {
  }

  private final CatalogFile file;
  /** Each model's {@code price} as the file states it, for serving; absent for a model the file prices not. */
  private final Map<String, JsonObject> priceJson;
  private final Map<String, Price> prices;

  private ModelCatalog(CatalogFile file, Map<String, JsonObject> priceJson, Map<String, Price> prices) {
    this.file = file;
    this.priceJson = priceJson;
    this.prices = prices;
  }

  public static ModelCatalog load(Path path) {
    Map<String, JsonObject> priceJson = new LinkedHashMap<>();
    CatalogFile parsed = parse(path, priceJson);
    List<String> problems = new ArrayList<>(CatalogCheck.problems(parsed.defaultModel(), parsed.models()));
    Map<String, Price> prices = new LinkedHashMap<>();
    priceJson.forEach((id, json) -> {
      Price price = Price.parse("model " + id + ": ", json.getMap(), problems);
      if (price != null) {
        prices.put(id, price);
      }
    });
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(path + ": " + String.join("; ", problems));
    }
    var ordered = Collections.unmodifiableMap(new LinkedHashMap<>(parsed.models()));
    return new ModelCatalog(new CatalogFile(parsed.defaultModel(), ordered), Map.copyOf(priceJson), Map.copyOf(prices));
  }

  /**
   * The file parsed strictly, except each model's optional {@code price}, which is taken out into {@code prices}
   * first: the strict reader has no optional keys, and a catalogue without prices is still a working one.
   */
  private static CatalogFile parse(Path path, Map<String, JsonObject> prices) {
    try {
      var tree = MAPPER.readTree(Files.readAllBytes(path));
      if (tree instanceof ObjectNode root && root.get("models") instanceof ObjectNode models) {
        models.fields().forEachRemaining(model -> {
          if (model.getValue() instanceof ObjectNode spec && spec.has("price")) {
            var price = spec.remove("price");
            prices.put(model.getKey(), price.isObject() ? new JsonObject(price.toString()) : new JsonObject());
          }
        });
      }
      return MAPPER.treeToValue(tree, CatalogFile.class);
    } catch (JsonMappingException e) {
      throw new IllegalArgumentException(path + ": at " + jsonPath(e) + ": " + e.getOriginalMessage(), e);
    } catch (JacksonException e) {
      throw new IllegalArgumentException(path + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model catalogue " + path, e);
    }
  }

  private static String jsonPath(JsonMappingException e) {
    return e.getPath().stream()
      .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
      .collect(Collectors.joining("."));
  }

  public Optional<ModelSpec> find(String id) {
    return Optional.ofNullable(file.models().get(id));
  }

  public String defaultModel() {
    return file.defaultModel();
  }

  /** What the model costs, when the catalogue says. */
  public Optional<Price> price(String id) {
    return Optional.ofNullable(prices.get(id));
  }

  public Map<String, ModelSpec> models() {
    return file.models();
  }

  /** What an upload must satisfy before anyone knows which model it is for. */
  public ReferenceImageSpec uploadRules() {
    return ReferenceImageSpec.loosest(file.models().values().stream().map(ModelSpec::referenceImages).toList());
  }

  /** The catalogue as {@code GET /api/models} serves it: the file's own shape, with every limit. */
  public JsonObject toJson() {
    try {
      JsonObject json = new JsonObject(MAPPER.writeValueAsString(file));
      priceJson.forEach((id, price) -> json.getJsonObject("models").getJsonObject(id).put("price", price.copy()));
      return json;
    } catch (JacksonException e) {
      throw new IllegalStateException("the catalogue cannot be written as JSON", e);
    }
  }
}
