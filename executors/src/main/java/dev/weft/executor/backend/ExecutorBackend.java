package dev.weft.executor.backend;

import java.util.List;

/**
 * One way of running work: a local process, a Docker container, a Spark application, an AWS Batch job. The shared
 * executor runtime owns Kafka (consume commands, dedupe by attempt id, publish events, heartbeats, cancel); a
 * backend only starts, watches and stops work. Backend SDK types (docker-java, AWS SDK) never appear here.
 */
public interface ExecutorBackend extends AutoCloseable {
  /** The executor name tasks use ({@code executor: process}); the runtime consumes {@code commands.<name>}. */
  String name();

  /**
   * Starts the attempt and returns at once; the outcome arrives through {@code listener.finished}.
   *
   * @throws LaunchException when the work cannot be started; nothing is left running
   */
  RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException;

  /**
   * Work this backend started earlier, found by the backend's own means (container labels, Batch job ids), for an
   * executor that restarted to adopt instead of running it again. Backends that cannot find their work return an
   * empty list, and the coordinator presumes such attempts lost when their heartbeats stop.
   */
  default List<AttemptId> findRunning() {
    return List.of();
  }

  /**
   * Re-attaches to work found by {@link #findRunning()} (or to work that already ended while no executor watched:
   * the listener then gets its recorded outcome at once).
   *
   * @return the adopted attempt, or null when it can no longer be found
   */
  default RunningAttempt adopt(AttemptId id, AttemptListener listener) {
    return null;
  }

  /**
   * Stops the work of an attempt that this executor instance does not run, when the backend can find it: a CANCEL
   * for it reached this instance. That is how work whose executor died for good is stopped: the coordinator presumes
   * the attempt lost and sends a CANCEL, which whichever instance now owns the partition reads. Only backends whose
   * work outlives its executor and can be found by attempt id (containers, by name) do anything; nothing is reported
   * here, since whoever watches the work, if anyone, reports how it ended. Returns at once; may be called from any
   * thread.
   *
   * @return whether work of that attempt was found and is being stopped
   */
  default boolean stopUnwatched(AttemptId id, java.time.Duration grace, String reason) {
    return false;
  }

  /**
   * Whether an attempt of this backend changes nothing outside Weft (noop). The runtime then launches before the
   * transaction that carries STARTED, so an attempt that finishes inside {@link #launch} sends STARTED and its
   * outcome in one transaction instead of two; if that transaction aborts, nothing happened and the command is
   * read again. Backends that start real work must keep the default: their work starts only after STARTED and the
   * command's offset are committed (at most one start per attempt).
   */
  default boolean sideEffectFree() {
    return false;
  }

  /**
   * Whether this backend's work can write the attempt's files ({@link AttemptFiles}: {@code $WEFT_RESULT_FILE},
   * {@code $WEFT_SPAWN_FILE}) where this executor reads them: the runtime then creates them before each launch and
   * passes them in {@link AttemptRequest#files()}. Work that runs elsewhere (AWS Batch) or no work at all (noop)
   * keeps the default, and its tasks cannot publish a result or spawn tasks.
   */
  default boolean takesAttemptFiles() {
    return false;
  }

  @Override
  default void close() {}
}
