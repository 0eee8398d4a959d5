package dev.seedstream.job;

import io.vertx.core.json.JsonObject;

/**
 * A job as the cluster records it, for a node that does not run it: who runs it ({@code owner}), whose it is
 * ({@code clientKey}), and its snapshot as its owner last wrote it (or as the member that ended it wrote it, when
 * its owner was lost).
 */
public record RemoteJob(String id, String owner, String clientKey, String status, long lastEventId, JsonObject snapshot) {

  static RemoteJob of(JsonObject record) {
    JsonObject snapshot = record.copy();
    String owner = (String) snapshot.remove("owner");
    String client = (String) snapshot.remove("client");
    return new RemoteJob(record.getString("id"), owner, client, record.getString("status"),
      record.getLong("last_event_id", 0L), snapshot);
  }

  public boolean running() {
    return "running".equals(status);
  }
}
