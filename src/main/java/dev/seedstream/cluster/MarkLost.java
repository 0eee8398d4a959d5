package dev.seedstream.cluster;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Marks a running job whose owner was lost as {@code interrupted}, once: true only for the caller that changed
 * it. Runs where the record lives, so two members that both notice the loss cannot both end the job.
 */
final class MarkLost implements EntryProcessor<String, HazelcastJsonValue, Boolean> {

  private static final long serialVersionUID = 1L;

  private final String lostOwner;
  private final String error;

  MarkLost(String lostOwner, String error) {
    this.lostOwner = lostOwner;
    this.error = error;
  }

  @Override
  public Boolean process(Map.Entry<String, HazelcastJsonValue> entry) {
    if (entry.getValue() == null) {
      return false;
    }
    JsonObject record = new JsonObject(entry.getValue().getValue());
    if (!"running".equals(record.getString("status")) || !lostOwner.equals(record.getString("owner"))) {
      return false;
    }
    record.put("status", "interrupted").put("error", new JsonObject(error));
    entry.setValue(new HazelcastJsonValue(record.encode()));
    return true;
  }
}
