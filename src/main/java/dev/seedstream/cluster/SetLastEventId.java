package dev.seedstream.cluster;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.EntryProcessor;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/** Records the id of a job's newest event in its record, never moving it backwards. */
final class SetLastEventId implements EntryProcessor<String, HazelcastJsonValue, Void> {

  private static final long serialVersionUID = 1L;

  private final long id;

  SetLastEventId(long id) {
    this.id = id;
  }

  @Override
  public Void process(Map.Entry<String, HazelcastJsonValue> entry) {
    if (entry.getValue() != null) {
      JsonObject record = new JsonObject(entry.getValue().getValue());
      if (record.getLong("last_event_id", 0L) < id) {
        entry.setValue(new HazelcastJsonValue(record.put("last_event_id", id).encode()));
      }
    }
    return null;
  }
}
