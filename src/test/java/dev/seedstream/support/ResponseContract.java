package dev.seedstream.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks one real answer of the gateway against {@code docs/openapi.yaml}: the status must be one the
 * operation lists, the headers it marks required must be there and match their schema, and a JSON body must
 * match the schema of its status and media type. A path the document does not list must answer as its
 * {@code x-unmatched-paths} says (the same JSON errors). The test helpers call this on every response, so
 * each HTTP test is also a contract test, and an API change that forgets the document fails the build.
 */
public final class ResponseContract {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ResponseContract() {
  }

  /** Throws an AssertionError naming the request, the status and each violation when the answer breaks the contract. */
  public static void check(HttpMethod method, String uri, int status, MultiMap headers, Buffer body) {
    check(method, uri, status, headers, body, null);
  }

  /** The same, counting the check for {@code caller} in {@link ContractCoverage}. */
  public static void check(HttpMethod method, String uri, int status, MultiMap headers, Buffer body, String caller) {
    List<String> problems = violations(method, uri, status, headers, body);
    if (!problems.isEmpty()) {
      throw new AssertionError("contract (docs/openapi.yaml): " + method + " " + pathOf(uri) + " answered " + status
        + ": " + String.join("; ", problems) + "\n  body: " + abbreviated(body));
    }
    String path = pathOf(uri);
    if (inContract(path)) {
      String template = template(ContractDocument.OPENAPI.tree().get("paths"), path);
      ContractCoverage.checked(caller, "http " + method + " " + (template == null ? "(unlisted path)" : template) + " " + status);
    }
  }

  /** The checked paths: the API, the drop-in endpoint and the operational ones; the page's static files are not in the contract. */
  static boolean inContract(String path) {
    return path.startsWith("/api/") || path.startsWith("/v1/") || path.equals("/healthz") || path.equals("/readyz")
      || path.equals("/metrics");
  }

  static List<String> violations(HttpMethod method, String uri, int status, MultiMap headers, Buffer body) {
    String path = pathOf(uri);
    if (!inContract(path)) {
      return List.of();
    }
    ContractDocument doc = ContractDocument.OPENAPI;
    String template = template(doc.tree().get("paths"), path);
    String operation = template == null ? null
      : "/paths/" + ContractDocument.escape(template) + "/" + method.name().toLowerCase(Locale.ROOT);
    String responses;
    if (operation != null && !doc.tree().at(operation).isMissingNode()) {
      responses = operation + "/responses";
    } else {
      // An unknown path, or a known one with a method it does not have: the gateway-wide answers.
      responses = "/x-unmatched-paths/" + ContractDocument.escape(path.startsWith("/v1/") ? "/v1/" : "/api/");
    }
    String key = responseKey(doc.tree().at(responses), status);
    if (key == null) {
      List<String> listed = new ArrayList<>();
      doc.tree().at(responses).fieldNames().forEachRemaining(listed::add);
      return List.of("status " + status + " is not listed for " + (template == null ? "an unknown path" : method + " " + template)
        + " (listed: " + listed + ")");
    }
    String response = doc.resolve(responses + "/" + ContractDocument.escape(key));
    List<String> problems = new ArrayList<>();
    checkHeaders(doc, response, headers, problems);
    checkBody(doc, response, method, status, headers, body, problems);
    return problems;
  }

  private static void checkHeaders(ContractDocument doc, String response, MultiMap headers, List<String> problems) {
    Iterator<Map.Entry<String, JsonNode>> declared = doc.at(response).path("headers").fields();
    while (declared.hasNext()) {
      Map.Entry<String, JsonNode> header = declared.next();
      String pointer = doc.resolve(response + "/headers/" + ContractDocument.escape(header.getKey()));
      JsonNode spec = doc.at(pointer);
      String value = headers.get(header.getKey());
      if (value == null) {
        if (spec.path("required").asBoolean(false)) {
          problems.add("required header " + header.getKey() + " is missing");
        }
        continue;
      }
      if (spec.has("schema")) {
        doc.violations(pointer + "/schema", TextNode.valueOf(value))
          .forEach(v -> problems.add("header " + header.getKey() + ": " + v));
      }
    }
  }

  private static void checkBody(ContractDocument doc, String response, HttpMethod method, int status, MultiMap headers,
                                Buffer body, List<String> problems) {
    JsonNode content = doc.at(response).path("content");
    if (method == HttpMethod.HEAD || status == 204 || status == 304) {
      return; // no body, whatever the content
    }
    if (content.isMissingNode() || content.isEmpty()) {
      if (body != null && body.length() > 0) {
        problems.add("a body where the contract has none");
      }
      return;
    }
    String declared = headers.get("Content-Type");
    String mediaType = declared == null ? "" : declared.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!content.has(mediaType)) {
      List<String> listed = new ArrayList<>();
      content.fieldNames().forEachRemaining(listed::add);
      problems.add("Content-Type " + declared + " is not one of " + listed);
      return;
    }
    if (!mediaType.equals("application/json") || body == null) {
      return; // event streams are checked event by event (EventStreamContract); images and text are opaque
    }
    JsonNode json;
    try {
      json = JSON.readTree(body.getBytes());
    } catch (IOException e) {
      problems.add("the body is not JSON: " + e.getMessage());
      return;
    }
    String schema = doc.resolve(response) + "/content/" + ContractDocument.escape(mediaType) + "/schema";
    problems.addAll(doc.violations(schema, json));
  }

  /** The response key for a status: itself, else its range ({@code 4XX}), else {@code default}. */
  private static String responseKey(JsonNode responses, int status) {
    String exact = String.valueOf(status);
    if (responses.has(exact)) {
      return exact;
    }
    String range = (status / 100) + "XX";
    if (responses.has(range)) {
      return range;
    }
    return responses.has("default") ? "default" : null;
  }

  /** The document's path template that matches, a literal one before one with parameters. */
  static String template(JsonNode paths, String path) {
    String best = null;
    Iterator<String> names = paths.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (name.equals(path)) {
        return name;
      }
      if (best == null && path.matches(name.replaceAll("\\{[^}/]+}", "[^/]+").replace(".", "\\."))) {
        best = name;
      }
    }
    return best;
  }

  static String pathOf(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (path.startsWith("http://") || path.startsWith("https://")) {
      int slash = path.indexOf('/', path.indexOf("//") + 2);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    return path;
  }

  private static String abbreviated(Buffer body) {
    if (body == null) {
      return "(none)";
    }
    String text = body.length() > 600 ? body.getString(0, 600) + "…" : body.toString();
    return text.replace('\n', ' ');
  }
}
