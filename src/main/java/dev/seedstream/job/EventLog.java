package dev.seedstream.job;

import java.util.ArrayList;
import java.util.List;

/**
 * A job's ordered events, ids 1, 2, 3 …, and the streams reading them. The job that runs the upstream call
 * fills one; so does a {@link JobReplica}, the copy a cluster node keeps of a job running on another node.
 * Either way the same {@link JobStream}s read it, so a listener gets the same bytes, heartbeats and
 * backpressure wherever it is attached. Runs on the gateway's event loop.
 */
final class EventLog {

  private final List<JobEvent> events = new ArrayList<>();
  /**
   * In the order they came. A list, not a linked set: a job has one listener or a few, and a set's map, table
   * and entry cost about 0.15 KiB more for each job, which thousands of idle streams multiply.
   */
  private final List<JobStream> listeners = new ArrayList<>(1);
  /** Called when the last listener leaves. */
  private final Runnable onNoListeners;
  private long bytes;
  private boolean forgotten;

  EventLog(Runnable onNoListeners) {
    this.onNoListeners = onNoListeners;
  }

  /** Id of the newest event; a reconnect that has seen it has nothing left to receive. */
  long lastEventId() {
    return events.size();
  }

  /** The event with id {@code index + 1}. */
  JobEvent event(int index) {
    return events.get(index);
  }

  /** Whether the terminal event is in: nothing will follow it. */
  boolean ended() {
    return !events.isEmpty() && events.get(events.size() - 1).terminal();
  }

  long bytes() {
    return bytes;
  }

  List<JobEvent> events() {
    return events;
  }

  void add(JobEvent event) {
    if (ended()) {
      // A log never grows past its terminal event: whatever comes after it is dropped, not relayed.
      event.release();
      return;
    }
    events.add(event);
    bytes += event.length();
    for (JobStream listener : List.copyOf(listeners)) {
      listener.pump();
    }
  }

  void subscribe(JobStream listener) {
    if (forgotten) {
      // Routes look a job up and attach in one go on the event loop, so this cannot happen; if it ever
      // did, the log's bytes may be gone, and failing is better than reading someone else's.
      throw new IllegalStateException("this event log was already dropped");
    }
    if (!listeners.contains(listener)) {
      listeners.add(listener);
    }
    listener.pump();
  }

  void unsubscribe(JobStream listener) {
    boolean removed = listeners.remove(listener);
    releaseIfUnread();
    if (removed && listeners.isEmpty()) {
      onNoListeners.run();
    }
  }

  /** Ends every stream now, without a terminal event: their clients reconnect and are served afresh. */
  void endStreams() {
    for (JobStream listener : List.copyOf(listeners)) {
      listener.cutOff();
    }
  }

  int listenerCount() {
    return listeners.size();
  }

  /**
   * Nobody new can subscribe. The events' image bytes go back to the pool once the last listener still
   * reading them is gone.
   */
  void forgotten() {
    forgotten = true;
    releaseIfUnread();
  }

  private void releaseIfUnread() {
    if (forgotten && listeners.isEmpty()) {
      events.forEach(JobEvent::release);
    }
  }
}
