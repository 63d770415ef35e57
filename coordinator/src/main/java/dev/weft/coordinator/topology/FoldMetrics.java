package dev.weft.coordinator.topology;

import dev.weft.avro.CommandKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.coordinator.decide.Decision;
import dev.weft.coordinator.event.CoordinatorEvent;
import dev.weft.coordinator.state.CoordinatorState;
import dev.weft.coordinator.state.TaskState;
import dev.weft.topics.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What the fold decided, as Prometheus sees it: dispatch latency, task durations, outcomes, failures by kind,
 * retries, runs and dead letters. Recorded from a decision once it stands and was sent, never from a replay that
 * only catches up (its outcomes were counted when they happened).
 *
 * <p>Labels are bounded: executor kinds, task statuses, failure kinds, run statuses, a short list of dead-letter
 * reasons, and the pipeline name (one series per pipeline, as Airflow tags its metrics by DAG). Never a run or
 * task id.
 */
final class FoldMetrics {
  /** Dispatch is tens of milliseconds; a retry after a backoff is seconds. Buckets to tell both apart. */
  private static final Duration[] DISPATCH_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofSeconds(5)};
  private static final Duration[] TASK_BUCKETS = {Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10),
      Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofHours(1), Duration.ofHours(6)};

  private final MeterRegistry registry;
  private final Timer dispatchLatency;
  private final Counter runsAccepted;
  /**
   * The meters recorded at every task's end, by their labels. Why kept: building and registering a meter is a
   * builder, a tag list and a registry lookup each time, 2 % of the stream thread under load (2026-12-04); the labels
   * are bounded (see above), and so is this map. Concurrent: one coordinator's stream threads share this object.
   */
  private final Map<List<String>, Counter> tasksFinished = new ConcurrentHashMap<>();
  private final Map<List<String>, Timer> taskDurations = new ConcurrentHashMap<>();

  FoldMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.dispatchLatency = Timer.builder("weft.dispatch.latency")
        .description("From the input that made a task ready (its record timestamp) to its RUN command being sent")
        .serviceLevelObjectives(DISPATCH_BUCKETS)
        .register(registry);
    this.runsAccepted = Counter.builder("weft.runs.accepted").description("Runs accepted").register(registry);
  }

  /**
   * @param inputTimestampMs the timestamp of the record decided on; 0 for a timer firing (no input: no latency)
   */
  void decided(Decision decision, long inputTimestampMs, long nowMs, CoordinatorState state) {
    for (CoordinatorEvent e : decision.events()) {
      if (e instanceof CoordinatorEvent.RunAccepted) {
        runsAccepted.increment();
      } else if (e instanceof CoordinatorEvent.AttemptFailed f) {
        String executor = executorOf(state, f.runId(), f.taskId());
        Counter.builder("weft.task.failures").description("Failed attempts, by failure kind")
            .tag("executor", executor).tag("kind", f.kind().name()).register(registry).increment();
        if (f.retryAtMs() > 0) {
          Counter.builder("weft.task.retries").description("Failed attempts that will be tried again")
              .tag("executor", executor).register(registry).increment();
        }
      }
    }
    for (Decision.Output o : decision.outputs()) {
      if (o instanceof Decision.SendCommand c && c.command().getKind() == CommandKind.RUN && inputTimestampMs > 0) {
        dispatchLatency.record(Math.max(0, nowMs - inputTimestampMs), TimeUnit.MILLISECONDS);
      } else if (o instanceof Decision.PublishRunEvent p) {
        runEvent(p.event(), state);
      }
    }
  }

  /** A dead letter written by the coordinator, by a bounded reason. */
  void deadLettered(DeadLetterReason reason) {
    deadLetters(registry, reason, DeadLetters.REPORTER);
  }

  static void deadLetters(MeterRegistry registry, DeadLetterReason reason, String reporter) {
    Counter.builder("weft.dead.letters").description("Records copied to the dead-letter topic, by reason")
        .tag("reason", reason.label()).tag("reporter", reporter).register(registry).increment();
  }

  private void runEvent(RunEvent e, CoordinatorState state) {
    if (e.getKind() == RunEventKind.TASK_FINISHED && e.getTaskStatus() != null) {
      // The event names its executor; reading the task again for it was a second lookup at every task's end.
      String executor = e.getExecutor() != null ? e.getExecutor() : executorOf(state, e.getRunId(), e.getTaskId());
      String status = e.getTaskStatus().name();
      tasksFinished.computeIfAbsent(List.of(executor, status), k ->
          Counter.builder("weft.tasks.finished").description("Tasks that ended, by final status")
              .tag("executor", executor).tag("status", status).register(registry)).increment();
      if (e.getStartedAtMs() > 0 && e.getFinishedAtMs() >= e.getStartedAtMs()) {
        taskDurations.computeIfAbsent(List.of(executor, e.getPipeline(), status), k ->
            Timer.builder("weft.task.duration").description("Run time of a task's last attempt, from start to end")
                .serviceLevelObjectives(TASK_BUCKETS)
                .tag("executor", executor).tag("pipeline", e.getPipeline()).tag("status", status)
                .register(registry)).record(e.getFinishedAtMs() - e.getStartedAtMs(), TimeUnit.MILLISECONDS);
      }
    } else if (e.getKind() == RunEventKind.RUN_FINISHED && e.getRunStatus() != null) {
      runFinished(e.getRunStatus().name());
    } else if (e.getKind() == RunEventKind.RUN_REJECTED) {
      runFinished("REJECTED");
    }
  }

  private void runFinished(String status) {
    Counter.builder("weft.runs.finished").description("Runs that ended, by status (REJECTED: never accepted)")
        .tag("status", status).register(registry).increment();
  }

  private static String executorOf(CoordinatorState state, String runId, String taskId) {
    TaskState t = state.task(runId, taskId);
    return t == null ? "unknown" : t.getExecutor();
  }
}
