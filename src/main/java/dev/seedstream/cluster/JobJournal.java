package dev.seedstream.cluster;

import com.hazelcast.core.HazelcastJsonValue;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import dev.seedstream.upstream.InlineImage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jobs as the cluster keeps them, so that any node can serve any job and a node's death loses nothing it
 * delivered:
 * <ul>
 *   <li>a record per job ({@code seedstream-jobs}): its snapshot, its owner and its client, as JSON;</li>
 *   <li>a log per job, a ring buffer of its SSE frames in id order ({@code seedstream-log-<id>}), each followed by
 *       a commit mark;</li>
 *   <li>the {@code b64_json} text of inline images once each ({@code seedstream-images}), the log holding only
 *       the frame around it: a replaying node fetches an image when it needs it, and no member holds every image.</li>
 * </ul>
 * Each structure has one synchronous backup: a write has returned only once a second member holds it. A reader,
 * though, may see an entry on the member holding the primary copy a moment before the backup is written. So the
 * owner appends a commit mark after each frame's write has returned, and readers hand on only frames that
 * something follows: a mark, or a later frame. A frame is never seen by a listener anywhere before it is on two
 * members. The futures complete on the caller's Vert.x context.
 */
public final class JobJournal {

  private static final byte FRAME = 0;
  private static final byte IMAGE = 1;
  private static final byte COMMIT = 2;
  private static final byte[] COMMIT_MARK = {COMMIT};
  /** Events fetched per read: a group job's whole log, usually. */
  private static final int READ_BATCH = 32;

  private final ClusterNode node;
  private final IMap<String, HazelcastJsonValue> records;
  private final IMap<String, byte[]> images;
  private final long keepMs;

  /** {@code keepMs}: how long records outlive their last write at most, whatever happens to the nodes. */
  public JobJournal(ClusterNode node, long keepMs) {
    this.node = node;
    this.records = node.hazelcast().getMap(ClusterNode.RECORDS);
    this.images = node.hazelcast().getMap(ClusterNode.IMAGES);
    this.keepMs = keepMs;
  }

  /** One event as the log holds it: {@code image} is the inline image's base64 text, or null. */
  public record LoggedEvent(long id, String type, byte[] head, byte[] image) {
  }

  /** Events read, and the log entry to read from next time. */
  public record Batch(List<LoggedEvent> events, long next) {
  }

  /**
   * Stores event {@code id} of the job: its image first, then the frame in the log. Ids come in order, one at a
   * time. When the future completes, both are on two members; call {@link #commit} before the next event.
   */
  public Future<Void> append(String jobId, long id, String type, byte[] head, InlineImage image) {
    Future<Void> imageStored = image == null ? Future.succeededFuture()
      : ClusterNode.onCaller(images.setAsync(imageKey(jobId, id), image.copyText(), keepMs, TimeUnit.MILLISECONDS));
    return imageStored.compose(v -> ClusterNode.onCaller(log(jobId).addAsync(encode(id, type, head, image != null), OverflowPolicy.FAIL)))
      .mapEmpty();
  }

  /** Marks the newest frame as on two members: readers may hand it on now. */
  public Future<Void> commit(String jobId) {
    return ClusterNode.onCaller(log(jobId).addAsync(COMMIT_MARK, OverflowPolicy.FAIL)).mapEmpty();
  }

  /**
   * The frames from log entry {@code from} on that are committed (something follows them). The future completes
   * when there are two entries to look at, which for a running job may be much later.
   */
  public Future<Batch> read(String jobId, long from) {
    return ClusterNode.onCaller(log(jobId).readManyAsync(from, 2, READ_BATCH, null)).compose(batch -> withImages(jobId, from, batch));
  }

  private Future<Batch> withImages(String jobId, long from, ReadResultSet<byte[]> batch) {
    List<Future<LoggedEvent>> events = new ArrayList<>();
    long next = from;
    for (int i = 0; i < batch.size(); i++) {
      ByteBuffer item = ByteBuffer.wrap(batch.get(i));
      byte kind = item.get();
      if (kind != COMMIT && i == batch.size() - 1) {
        break; // not committed yet: read again, with what follows it
      }
      next++;
      if (kind == COMMIT) {
        continue;
      }
      long id = item.getLong();
      byte[] type = new byte[item.getShort()];
      item.get(type);
      byte[] head = new byte[item.getInt()];
      item.get(head);
      String typeName = new String(type, StandardCharsets.UTF_8);
      events.add(kind == FRAME ? Future.succeededFuture(new LoggedEvent(id, typeName, head, null))
        : ClusterNode.onCaller(images.getAsync(imageKey(jobId, id))).compose(text -> text == null
          ? Future.failedFuture(new IllegalStateException("job " + jobId + ": the image of event " + id + " is gone"))
          : Future.succeededFuture(new LoggedEvent(id, typeName, head, text))));
    }
    long after = next;
    return Future.all(events).map(all -> new Batch(all.<LoggedEvent>list(), after));
  }

  /** The job's record, or null when the cluster knows no such job. */
  public Future<JsonObject> record(String jobId) {
    return ClusterNode.onCaller(records.getAsync(jobId)).map(json -> json == null ? null : new JsonObject(json.getValue()));
  }

  /** Writes the job's record, kept for the longest a job can matter unless written again. */
  public Future<Void> describe(String jobId, JsonObject record) {
    return ClusterNode.onCaller(records.setAsync(jobId, new HazelcastJsonValue(record.encode()), keepMs, TimeUnit.MILLISECONDS));
  }


  /** Drops the job: its record, its log and its images. */
  public Future<Void> forget(String jobId, long events) {
    List<Future<?>> removals = new ArrayList<>();
    removals.add(ClusterNode.onCaller(records.removeAsync(jobId)));
    for (long id = 1; id <= events; id++) {
      removals.add(ClusterNode.onCaller(images.removeAsync(imageKey(jobId, id))));
    }
    return Future.join(removals).transform(ar -> Vertx.currentContext().executeBlocking(() -> {
      log(jobId).destroy();
      return null;
    }, false)).mapEmpty();
  }

  /**
   * Running jobs whose owner is {@code owner}, read on a worker thread (a query waits for every member). Used
   * when a member is lost: its jobs must end.
   */
  public Future<List<String>> runningOn(String owner) {
    return Vertx.currentContext().executeBlocking(() -> List.copyOf(records.keySet(Predicates.and(
      Predicates.equal("owner", owner), Predicates.equal("status", "running")))), false);
  }

  /** Running jobs in the whole cluster, read on a worker thread. */
  public Future<Integer> runningInCluster() {
    return Vertx.currentContext().executeBlocking(() -> records.keySet(Predicates.equal("status", "running")).size(), false);
  }

  /**
   * Ends a job whose owner was lost: the record becomes {@code interrupted} with {@code error} as its error, and
   * the frame {@code terminal(id)} is appended to its log with the next id, then committed. Every surviving member
   * may try; only the first succeeds (the record changes under an entry processor), so the log gets one end. True
   * for that one. A last frame the owner wrote but did not commit is committed by this end: it is on the member
   * that holds the log now, so every reader will have it.
   */
  public Future<Boolean> endLost(String jobId, String lostOwner, JsonObject error, java.util.function.LongFunction<byte[]> terminal) {
    return ClusterNode.onCaller(records.submitToKey(jobId, new MarkLost(lostOwner, error.encode()))).compose(won -> {
      if (!Boolean.TRUE.equals(won)) {
        return Future.succeededFuture(false);
      }
      Ringbuffer<byte[]> log = log(jobId);
      return Vertx.currentContext().executeBlocking(() -> lastFrameId(log), false).compose(last -> {
        long id = last + 1;
        return ClusterNode.onCaller(log.addAsync(encode(id, "error", terminal.apply(id), false), OverflowPolicy.FAIL))
          .compose(seq -> ClusterNode.onCaller(log.addAsync(COMMIT_MARK, OverflowPolicy.FAIL)))
          .compose(seq -> ClusterNode.onCaller(records.submitToKey(jobId, new SetLastEventId(id)))).map(true);
      });
    });
  }

  private Ringbuffer<byte[]> log(String jobId) {
    return node.hazelcast().getRingbuffer(ClusterNode.LOGS + jobId);
  }

  /** The id of the log's newest frame, 0 for none; blocking. */
  private static long lastFrameId(Ringbuffer<byte[]> log) throws InterruptedException {
    for (long sequence = log.tailSequence(); sequence >= Math.max(0, log.headSequence()); sequence--) {
      ByteBuffer item = ByteBuffer.wrap(log.readOne(sequence));
      if (item.get() != COMMIT) {
        return item.getLong();
      }
    }
    return 0;
  }

  private static String imageKey(String jobId, long id) {
    return jobId + "/" + id;
  }

  private static byte[] encode(long id, String type, byte[] head, boolean image) {
    byte[] name = type.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + 2 + name.length + 4 + head.length).put(image ? IMAGE : FRAME).putLong(id)
      .putShort((short) name.length).put(name).putInt(head.length).put(head).array();
  }


}
