package dev.seedstream.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One of the contract documents ({@code docs/openapi.yaml}, {@code docs/asyncapi.yaml}, as the build packs
 * them), read once per test JVM: its tree, to find what a response or an event must be, and the schemas in
 * it, compiled on first use by their JSON pointer so that {@code $ref}s resolve inside the document.
 */
final class ContractDocument {

  static final ContractDocument OPENAPI = new ContractDocument("contract/openapi.yaml",
    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder -> builder.metaSchema(OpenApi31.getInstance())
      .defaultMetaSchemaIri(OpenApi31.getInstance().getIri())));
  // AsyncAPI's default schema format is a superset of JSON Schema draft 7.
  static final ContractDocument ASYNCAPI = new ContractDocument("contract/asyncapi.yaml",
    JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7));

  private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().build();

  private final String resource;
  private final JsonNode tree;
  private final JsonSchemaFactory factory;
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  private ContractDocument(String resource, JsonSchemaFactory factory) {
    this.resource = resource;
    this.factory = factory;
    try (InputStream in = ContractDocument.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is not on the test class path (the build copies it from docs/)");
      }
      this.tree = new ObjectMapper(new YAMLFactory()).readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonNode tree() {
    return tree;
  }

  /** The node at a JSON pointer ({@code /paths/~1healthz}), following a {@code $ref} it holds. */
  JsonNode at(String pointer) {
    JsonNode node = tree.at(pointer);
    return node.has("$ref") ? at(node.get("$ref").asText().substring(1)) : node;
  }

  /** Where the {@code $ref} at a pointer leads, or the pointer itself. */
  String resolve(String pointer) {
    JsonNode node = tree.at(pointer);
    return node.has("$ref") ? resolve(node.get("$ref").asText().substring(1)) : pointer;
  }

  /** The violations of {@code value} against the schema at {@code pointer}; empty when it conforms. */
  List<String> violations(String pointer, JsonNode value) {
    JsonSchema schema = schemas.computeIfAbsent(pointer,
      p -> factory.getSchema(SchemaLocation.of("classpath:" + resource + "#" + p), CONFIG));
    return schema.validate(value).stream().map(ValidationMessage::getMessage).sorted().toList();
  }

  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
