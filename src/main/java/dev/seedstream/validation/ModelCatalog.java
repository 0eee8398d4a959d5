package dev.seedstream.validation;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private ModelCatalog(CatalogFile file) {
    this.file = file;
  }

  public static ModelCatalog load(Path path) {
    CatalogFile parsed = parse(path);
    List<String> problems = CatalogCheck.problems(parsed.defaultModel(), parsed.models());
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(path + ": " + String.join("; ", problems));
    }
    var ordered = Collections.unmodifiableMap(new LinkedHashMap<>(parsed.models()));
    return new ModelCatalog(new CatalogFile(parsed.defaultModel(), ordered));
  }

  private static CatalogFile parse(Path path) {
    try {
      return MAPPER.readValue(Files.readAllBytes(path), CatalogFile.class);
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
      return new JsonObject(MAPPER.writeValueAsString(file));
    } catch (JacksonException e) {
      throw new IllegalStateException("the catalogue cannot be written as JSON", e);
    }
  }
}
