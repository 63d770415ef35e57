package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cli.Weft;
import dev.weft.devstack.DevStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps {@code weft bench} working: every section runs at tiny sizes on the shared broker and the JSON carries
 * every figure, each judged against its target, and {@code --check} exits non-zero exactly when one was missed. No
 * timing is asserted: the figures of a tiny run on a busy machine mean nothing. The container pair needs the Docker
 * engine the suite starts (tests/docker/ensure-docker.sh); without one the section says why it skipped, and this
 * test fails on the missing figures.
 */
class BenchSmokeTest {
  static final List<String> FIELDS = List.of("throughput_tasks_per_s", "dispatch_p50_ms", "dispatch_p99_ms",
      "dispatch_max_ms", "dispatch_floor_p50_ms", "dispatch_floor_p99_ms", "dispatch_idle_hop_p50_ms",
      "large_run_tasks", "large_run_s", "large_run_heap_mb", "per_task_cost_ratio", "replay_events_per_s",
      "passthrough_tasks_per_s", "limit_ratio", "expiry_runs", "expiry_live_runs_before", "expiry_store_bytes_before",
      "expiry_store_bytes_after", "expiry_heap_before_gc_bytes", "expiry_heap_after_gc_bytes",
      "dispatch_batching_floor_p50_ms", "dispatch_batching_floor_p99_ms", "dispatch_relay_with_coordinator_records_p50_ms",
      "dispatch_relay_with_coordinator_records_p99_ms", "dispatch_streams_relay_p50_ms", "dispatch_streams_relay_p99_ms",
      "dispatch_p50_vs_floor",
      "dispatch_p99_vs_floor", "single_task_run_s", "chain_hop_p50_ms", "layered_1000_wall_s", "process_tasks_per_s",
      "process_floor_tasks_per_s", "process_floor_ratio", "process_group_floor_tasks_per_s", "process_group_floor_ratio",
      "process_backend_alone_tasks_per_s", "container_tasks_per_s", "container_floor_tasks_per_s",
      "container_floor_ratio", "time_to_first_task_s", "weft_run_wall_s", "cli_start_floor_s", "million_tasks",
      "million_run_s", "million_heap_mb", "million_per_task_cost_ratio", "million_state_store_mb",
      "coordinator_cpu_us_per_task", "replay_cpu_us_per_record");

  @Test
  @Timeout(900)
  void shouldRunEverySectionAndReportEveryFigure() throws Exception {
    DevStack shared = SharedStack.get();
    Path dir = Files.createDirectories(Path.of("target", "bench-smoke-" + ProcessHandle.current().pid())).toAbsolutePath();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int code = Weft.run(List.of("bench", "--tiny", "--json", "--check", "--rounds", "2", "--bootstrap", shared.bootstrapServers(),
        "--registry", shared.registryUrl(), "--data-dir", dir.toString()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

    String stderr = err.toString(StandardCharsets.UTF_8);
    assertThat(code).as("exit code; stderr:\n%s", stderr).isIn(0, 5);
    JsonNode json = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    List<String> missed = new java.util.ArrayList<>();
    json.get("targets").fields().forEachRemaining(e -> {
      assertThat(e.getValue().get("verdict").asText()).as(e.getKey()).isIn("met", "MISSED");
      if (e.getValue().get("verdict").asText().equals("MISSED")) missed.add(e.getKey());
    });
    assertThat(json.get("targets").has("layered_1000_wall_s")).as("every measured target is judged").isTrue();
    assertThat(code).as("--check exits 5 exactly when a target was missed: %s", missed).isEqualTo(missed.isEmpty() ? 0 : 5);
    if (!missed.isEmpty()) assertThat(stderr).contains("missed the target").contains(missed.get(0));
    assertThat(json.get("dispatch_missing_samples").isIntegralNumber()).as("missing samples are counted").isTrue();
    assertThat(json.at("/details/dispatch/0/floor_batching/samples").asInt()).as("the batching relay's hops").isPositive();
    assertThat(json.at("/details/dispatch/0/streams_relay/transactions/records_per_task_by_topic/coordinator-tasks-changelog")
        .asDouble()).as("the Kafka Streams relay wrote the coordinator's task records beside its commands")
        .isCloseTo(json.at("/details/dispatch/0/transactions/records_per_task_by_topic/coordinator-tasks-changelog")
            .asDouble(), org.assertj.core.data.Offset.offset(0.5));
    JsonNode copied = json.at("/details/dispatch/0/relay_with_coordinator_records/transactions/records_per_task_by_topic");
    assertThat(copied.path("coordinator-tasks-changelog").asDouble())
        .as("the relay wrote the coordinator's task records beside its commands: %s", copied)
        .isCloseTo(json.at("/details/dispatch/0/transactions/records_per_task_by_topic/coordinator-tasks-changelog")
            .asDouble(), org.assertj.core.data.Offset.offset(0.5));
    for (String field : FIELDS) {
      assertThat(json.has(field)).as("field %s in %s", field, json).isTrue();
      assertThat(json.get(field).isNumber()).as("%s is a number in %s", field, json).isTrue();
      assertThat(json.get(field).asDouble()).as("%s in %s", field, json).isPositive();
    }
    assertThat(json.at("/settings/mode").asText()).isEqualTo("tiny");
    assertThat(json.at("/settings/measured_rounds").asInt()).isEqualTo(2);
    assertThat(json.at("/details/throughput/rounds_tasks_per_s")).hasSize(2);
    assertThat(json.at("/details/passthrough/rounds_tasks_per_s")).hasSize(2);
    assertThat(json.at("/details/replay/rounds")).hasSize(2);
    assertThat(json.at("/details/dispatch_floor/at_load/samples").asInt()).as("the relay's hops at load").isPositive();
    assertThat(json.at("/details/dispatch_floor/one_hop_at_a_time/samples").asInt()).as("the relay's lone hops").isPositive();
    assertThat(json.get("expiry_live_runs_after").asLong()).as("every finished run expired").isZero();
    assertThat(json.at("/details/single/chain_hop_legs/hops").asInt())
        .as("every chain hop split into its legs by the broker's append times")
        .isEqualTo(json.at("/details/single/chain_hops").asInt());
    assertThat(json.at("/details/process/rounds")).hasSize(2);
    for (JsonNode round : json.at("/details/process/rounds")) {
      assertThat(round.get("attempt_p50_ms").asDouble()).as("how long an attempt held its slot").isNotNegative();
    }
    for (JsonNode replay : json.at("/details/replay/rounds")) {
      assertThat(replay.get("suppressed_commands").asLong())
          .as("each replay folded the dispatches again without publishing them").isPositive();
    }
  }

  @Test
  void shouldRejectAnUnknownOptionWithUsage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Weft.run(List.of("bench", "--no-such-option", "1"), new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(64);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --no-such-option")
        .contains("run 'weft bench --help' for usage");
  }
}
