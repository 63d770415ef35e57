package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.embedded.Ports;
import dev.weft.spec.PipelineBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real Prometheus scrapes a coordinator and a process executor, each its own process, while a run goes through:
 * the series it stores move as the run did. The run is submitted while no process executor runs, so its group's
 * backlog rises; then the executor starts, the backlog drains, one task fails once and is retried, another fails for
 * good, and the run ends FAILED.
 */
class PrometheusEndToEndTest {
  private static final Duration WAIT = Duration.ofMinutes(2);

  @Test
  @Timeout(420)
  void shouldShowTheRunInPrometheusTaskCountsAFailureARetryAndTheBacklogRisingAndDraining() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("prometheus", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      int executorMetricsPort = Ports.free();
      try (LocalPrometheus prom = LocalPrometheus.start(weft.dir().resolve("prometheus"), List.of(
          new LocalPrometheus.Target("weft-coordinator", "127.0.0.1:" + weft.apiPort(coordinator)),
          new LocalPrometheus.Target("weft-executor", "127.0.0.1:" + executorMetricsPort)))) {
        Conditions.await(WAIT, "prometheus scrapes the coordinator",
            () -> prom.value("up{job=\"weft-coordinator\"}") == 1);

        SubmittedRun run = weft.submit(PipelineBuilder.pipeline("observed")
            .task(PipelineBuilder.process("ok-1", "true"))
            .task(PipelineBuilder.process("ok-2", "true"))
            // Fails on its first attempt only: a marker file says it ran before.
            .task(PipelineBuilder.process("flaky", "sh", "-c",
                "if [ -e flaky.once ]; then exit 0; else touch flaky.once; exit 3; fi").retry(2, "1s"))
            .task(PipelineBuilder.process("broken", "sh", "-c", "exit 4"))
            .build());

        String backlog = "weft_executor_backlog_records{job=\"weft-coordinator\",executor=\"process\"}";
        Conditions.await(WAIT, "the process group's backlog rises while no executor runs: " + prom.describe(backlog),
            () -> prom.value(backlog) >= 4);
        assertThat(prom.value("weft_executor_group_members{executor=\"process\"}")).isZero();
        Conditions.await(WAIT, "the coordinator's state gauges count the four tasks waiting in the queue",
            () -> prom.value("sum(weft_tasks{state=\"DISPATCHED\"})") == 4);

        weft.startExecutor("process", "p1", "--metrics-port", Integer.toString(executorMetricsPort));
        RunResult result = weft.await(run, WAIT);
        assertThat(result.status()).isEqualTo("FAILED");

        Conditions.await(WAIT, "the coordinator's counters reach Prometheus", () ->
            prom.value("sum(weft_runs_finished_total{status=\"FAILED\"})") == 1
                && prom.value("sum(weft_tasks_finished_total{executor=\"process\",status=\"SUCCEEDED\"})") == 3);
        Conditions.await(WAIT, "the backlog drains", () -> prom.value(backlog) == 0);
        assertThat(prom.value("max_over_time(" + backlog + "[10m])")).isGreaterThanOrEqualTo(4);
        assertThat(prom.value("weft_executor_group_members{executor=\"process\"}")).isEqualTo(1);
        assertThat(prom.value("sum(weft_tasks_finished_total{executor=\"process\",status=\"FAILED\"})")).isEqualTo(1);
        // flaky's first attempt, and broken's only one.
        assertThat(prom.value("sum(weft_task_failures_total{executor=\"process\",kind=\"EXIT_CODE\"})")).isEqualTo(2);
        assertThat(prom.value("sum(weft_task_retries_total{executor=\"process\"})")).isEqualTo(1);
        assertThat(prom.value("sum(weft_dispatch_latency_seconds_count)")).isGreaterThanOrEqualTo(5);
        assertThat(prom.value("sum(weft_task_duration_seconds_count{pipeline=\"observed\"})")).isEqualTo(4);
        // Read from the stores at most every 5 s: the run's end reaches the gauge a little after its counters.
        Conditions.await(WAIT, "no task of an unfinished run is left",
            () -> Double.isNaN(prom.value("sum(weft_tasks)")) || prom.value("sum(weft_tasks)") == 0);
        assertThat(prom.value("max_over_time(sum(weft_tasks{state=\"DISPATCHED\"})[10m:1s])")).isEqualTo(4);

        // The executor's own series, from its own port.
        Conditions.await(WAIT, "the executor's counters reach Prometheus",
            () -> prom.value("weft_executor_attempts_launched_total{job=\"weft-executor\",executor=\"process\"}") == 5);
        assertThat(prom.value("up{job=\"weft-executor\"}")).isEqualTo(1);
        // Kafka's own client and Streams metrics, through Micrometer's binders.
        assertThat(prom.value("count({__name__=~\"kafka_stream_.*\",job=\"weft-coordinator\"})")).isPositive();
        assertThat(prom.value("count({__name__=~\"kafka_consumer_.*\",job=\"weft-executor\"})")).isPositive();
      }
    }
  }
}
