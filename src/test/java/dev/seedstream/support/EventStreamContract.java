package dev.seedstream.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.seedstream.sse.SseEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks one real event stream of the gateway against {@code docs/asyncapi.yaml}, event by event as it
 * arrives: the channel is the one whose address matches the request path; an event must be one of the
 * channel's messages (its {@code event} and {@code id} fields against the message's {@code headers} schema,
 * which names the event, and its data against the {@code payload}); a job's ids go up by one; nothing follows a terminal message
 * ({@code x-terminal}); and the stream's text opens with the {@code retry:} line and carries no comment but
 * the heartbeat, where the document's channel says so ({@code x-sse-head}).
 */
public final class EventStreamContract {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern RETRY_HEAD = Pattern.compile("\\Aretry: ([0-9]+)\\n\\n");

  private final String path;
  private final String channel;
  private final String caller;
  private Long lastId;
  private String terminal;

  private EventStreamContract(String path, String channel, String caller) {
    this.path = path;
    this.channel = channel;
    this.caller = caller;
  }

  /**
   * The check for a stream opened at {@code uri}, or null when no channel of the document has that address;
   * {@code caller} is the test it is counted for ({@link ContractCoverage}), or null.
   */
  public static EventStreamContract forUri(String uri, String caller) {
    String path = ResponseContract.pathOf(uri);
    ContractDocument doc = ContractDocument.ASYNCAPI;
    Iterator<String> names = doc.tree().get("channels").fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      String address = doc.tree().get("channels").get(name).get("address").asText();
      if (path.matches(address.replaceAll("\\{[^}/]+}", "[^/]+"))) {
        return new EventStreamContract(path, name, caller);
      }
    }
    return null;
  }

  /** The violations of one event; empty when it is a message of the channel and follows the ones before. */
  public synchronized List<String> onEvent(SseEvent event) {
    ContractDocument doc = ContractDocument.ASYNCAPI;
    List<String> problems = new ArrayList<>();
    if (terminal != null) {
      problems.add("event " + event.event() + " after the terminal event " + terminal);
    }
    ObjectNode frame = JSON.createObjectNode();
    if (event.event() != null) {
      frame.put("event", event.event());
    }
    if (event.id() != null) {
      frame.put("id", event.id());
    }
    JsonNode data = parse(event.data());
    List<String> rejections = new ArrayList<>();
    String accepted = null;
    Iterator<String> messages = doc.tree().at("/channels/" + channel + "/messages").fieldNames();
    while (messages.hasNext() && accepted == null) {
      String pointer = doc.resolve("/channels/" + channel + "/messages/" + messages.next());
      JsonNode message = doc.at(pointer);
      if (!doc.violations(pointer + "/headers", frame).isEmpty()) {
        continue; // another message's event name, or an id where none belongs
      }
      List<String> wrong = doc.violations(pointer + "/payload", data);
      if (wrong.isEmpty()) {
        accepted = pointer;
      } else {
        rejections.add(message.path("name").asText() + ": " + wrong);
      }
    }
    if (accepted == null) {
      problems.add(rejections.isEmpty() ? "no message of channel " + channel + " has these fields: " + frame
        : "the data breaks the schema of " + rejections);
    } else {
      ContractCoverage.checked(caller, "event " + channel + " " + doc.at(accepted).path("name").asText());
      if (doc.at(accepted).path("x-terminal").asBoolean(false)) {
        terminal = event.event();
      }
      if (event.id() != null && frame.get("id").asText().matches("[0-9]{1,18}")) {
        long id = Long.parseLong(event.id());
        if (lastId != null && id != lastId + 1) {
          problems.add("id " + id + " after id " + lastId + " (ids go up by one)");
        }
        lastId = id;
      }
    }
    return describe(event, problems);
  }

  /** The violations of the stream's text seen so far, complete lines only: its head and its comments. */
  public List<String> onText(String text) {
    ContractDocument doc = ContractDocument.ASYNCAPI;
    JsonNode head = doc.tree().at("/channels/" + channel + "/x-sse-head");
    List<String> problems = new ArrayList<>();
    if (head.isMissingNode() || text.isEmpty()) {
      return problems;
    }
    Matcher retry = RETRY_HEAD.matcher(text);
    if (!retry.lookingAt()) {
      problems.add("the stream does not open with a retry: line: " + abbreviated(text));
    } else {
      problems.addAll(doc.violations(head.get("retry").asText().substring(1), IntNode.valueOf(Integer.parseInt(retry.group(1)))));
    }
    int end = text.lastIndexOf('\n');
    for (String line : text.substring(0, Math.max(end, 0)).split("\n")) {
      if (line.startsWith(":")) {
        String comment = line.startsWith(": ") ? line.substring(2) : line.substring(1);
        doc.violations(head.get("comment").asText().substring(1), TextNode.valueOf(comment))
          .forEach(v -> problems.add("comment line '" + line + "': " + v));
      }
    }
    return problems.isEmpty() ? problems : List.of("contract (docs/asyncapi.yaml): stream of " + path + ": " + problems);
  }

  private List<String> describe(SseEvent event, List<String> problems) {
    if (problems.isEmpty()) {
      return problems;
    }
    return List.of("contract (docs/asyncapi.yaml): " + path + " event " + event.event() + " id " + event.id() + ": "
      + String.join("; ", problems) + "\n  data: " + abbreviated(event.data()));
  }

  private static JsonNode parse(String data) {
    try {
      JsonNode node = JSON.readTree(data);
      return node == null ? TextNode.valueOf(data) : node;
    } catch (IOException notJson) {
      return TextNode.valueOf(data); // [DONE]
    }
  }

  private static String abbreviated(String text) {
    return (text.length() > 400 ? text.substring(0, 400) + "…" : text).replace('\n', '⏎');
  }
}
