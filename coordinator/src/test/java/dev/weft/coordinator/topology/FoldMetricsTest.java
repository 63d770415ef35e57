package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fold's metrics count what it decided: outcomes, failures by kind, retries, runs, dispatches, dead letters. */
class FoldMetricsTest {
  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldCountOutcomesFailuresRetriesRunsAndDispatches() throws Exception {
    h.submit("r1", """
        pipeline: measured
        tasks:
          - {id: ok, executor: process, process: {argv: ["true"]}}
          - {id: flaky, executor: process, process: {argv: ["x"]}, retry: {maxAttempts: 2, backoff: 1s}}
          - {id: broken, executor: noop}
        """);
    List<TaskCommand> first = h.drainRuns();
    h.advance(Duration.ofMillis(1500));
    for (TaskCommand c : first) {
      if (c.getTaskId().equals("ok")) h.succeed(c);
      else h.fail(c, 3, FailureKind.EXIT_CODE);
    }
    h.advance(Duration.ofSeconds(2));
    h.succeed(h.drainRuns().stream().filter(c -> c.getTaskId().equals("flaky")).findFirst().orElseThrow());

    assertThat(counter("weft.tasks.finished", "executor", "process", "status", "SUCCEEDED")).isEqualTo(2);
    assertThat(counter("weft.tasks.finished", "executor", "noop", "status", "FAILED")).isEqualTo(1);
    assertThat(counter("weft.task.failures", "executor", "process", "kind", "EXIT_CODE")).isEqualTo(1);
    assertThat(counter("weft.task.failures", "executor", "noop", "kind", "EXIT_CODE")).isEqualTo(1);
    assertThat(counter("weft.task.retries", "executor", "process")).isEqualTo(1);
    assertThat(h.meters.find("weft.task.retries").tag("executor", "noop").counter()).isNull();
    assertThat(counter("weft.runs.accepted")).isEqualTo(1);
    assertThat(counter("weft.runs.finished", "status", "FAILED")).isEqualTo(1);
    // Three first dispatches decided on the request, one retry on its RETRY_DUE event; all with a latency.
    Timer dispatch = h.meters.get("weft.dispatch.latency").timer();
    assertThat(dispatch.count()).isEqualTo(4);
    Timer duration = h.meters.get("weft.task.duration").tags("executor", "process", "pipeline", "measured",
        "status", "SUCCEEDED").timer();
    assertThat(duration.count()).isEqualTo(2);
  }

  @Test
  void shouldCountDeadLettersByReason() throws Exception {
    h.rawRequests.pipeInput("r9".getBytes(), new byte[] {0, 0, 0, 0, 42, 1, 2});
    h.cancel("no-such-run", null);

    assertThat(counter("weft.dead.letters", "reason", "undecodable", "reporter", "coordinator")).isEqualTo(1);
    assertThat(counter("weft.dead.letters", "reason", "invalid_request", "reporter", "coordinator")).isEqualTo(1);
  }

  private double counter(String name, String... tags) {
    Counter c = h.meters.find(name).tags(tags).counter();
    assertThat(c).as("counter %s %s", name, List.of(tags)).isNotNull();
    return c.count();
  }
}
