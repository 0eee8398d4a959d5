package dev.seedstream.job;

import dev.seedstream.cluster.JobJournal;

import java.util.function.Consumer;

/**
 * This node's copy of a job that runs on another cluster node, kept while someone here listens to it. It reads
 * the job's log from the cluster in order, as fast as the cluster hands it over, into an {@link EventLog}; the
 * listeners read that at their own pace, exactly as they would read the job itself. One copy per node and job,
 * however many listen: an image is fetched from the cluster once per node, not once per listener.
 */
final class JobReplica {

  private final RemoteJob job;
  private final JobJournal journal;
  private final EventLog log;
  /** The log entry to read next. */
  private long next;
  private boolean dropped;

  JobReplica(RemoteJob job, JobJournal journal, Consumer<JobReplica> onNoListeners) {
    this.job = job;
    this.journal = journal;
    this.log = new EventLog(() -> onNoListeners.accept(this));
  }

  RemoteJob job() {
    return job;
  }

  EventLog log() {
    return log;
  }

  void start() {
    readMore();
  }

  private void readMore() {
    journal.read(job.id(), next).onComplete(read -> {
      if (dropped) {
        return; // nobody listens any more; the events read were never wrapped, so nothing is held
      }
      if (read.failed()) {
        // The cluster could not hand the log over: the streams end without a terminal event, so their clients
        // reconnect with Last-Event-ID and are served again, by this node or another.
        log.endStreams();
        return;
      }
      for (JobJournal.LoggedEvent event : read.result().events()) {
        log.add(JobEvent.replayed(event.type(), event.head(), event.image()));
      }
      next = read.result().next();
      if (!log.ended()) {
        readMore();
      }
    });
  }

  /** Nobody here listens any more: stop reading, and give the events' bytes back once the last reader is gone. */
  void drop() {
    dropped = true;
    log.forgotten();
  }
}
