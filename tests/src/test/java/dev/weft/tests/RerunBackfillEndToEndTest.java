package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.spec.PipelineBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reruns and backfills against a real broker, {@code weft coordinator} and {@code weft executor process} as their own
 * processes, driven by the real {@code weft} command.
 */
class RerunBackfillEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(300)
  void shouldRerunOnlyTheFailedTasksOnceTheFailureIsFixed() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("rerun", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      weft.startExecutor("process", "p1");
      // extract counts its runs; transform fails until the file 'fixed' exists; load follows transform.
      SubmittedRun first = weft.submit(PipelineBuilder.pipeline("fixable")
          .task(PipelineBuilder.process("extract", "sh", "-c", "echo ran >> extract-runs.txt"))
          .task(PipelineBuilder.process("transform", "sh", "-c", "test -f fixed").dependsOn("extract"))
          .task(PipelineBuilder.process("load", "true").dependsOn("transform"))
          .build());
      RunResult failed = weft.await(first, Duration.ofMinutes(2));
      assertThat(failed.status()).isEqualTo("FAILED");

      Files.writeString(weft.dir().resolve("fixed"), "");
      WeftCli.Result rerun = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "rerun", first.runId(),
          "--failed", "--wait", "--json"));
      assertThat(rerun.exit()).as(rerun.toString()).isZero();
      JsonNode result = JSON.readTree(rerun.stdout());
      assertThat(result.get("status").asText()).isEqualTo("SUCCEEDED");
      Map<String, String> statuses = new HashMap<>();
      result.get("tasks").forEach(t -> statuses.put(t.get("id").asText(), t.get("status").asText()));
      assertThat(statuses).isEqualTo(Map.of("extract", "SKIPPED", "transform", "SUCCEEDED", "load", "SUCCEEDED"));
      assertThat(Files.readAllLines(weft.dir().resolve("extract-runs.txt"))).as("extract is carried over").hasSize(1);

      String newRunId = result.get("runId").asText();
      WeftCli.Result status = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "status", newRunId));
      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(status.stdout()).contains("rerun of run " + first.runId()).contains("carried over from run");
    }
  }

  @Test
  @Timeout(600)
  void shouldBackfillThirtyDaysAtMostThreeAtOnceEachOnceAcrossAKilledCli() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("backfill", 3)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      weft.startExecutor("process", "p1", "--max-concurrent", "8");
      Path file = weft.dir().resolve("daily.yaml");
      Files.writeString(file, """
          pipeline: daily
          params: {date: "2026-01-01"}
          tasks:
            - id: extract
              executor: process
              process: {argv: [sh, -c, "sleep 0.2; echo ${date} >> dates.txt"]}
          """);
      List<String> args = cli(weft, coordinator, "backfill", file.toString(), "--range",
          "date=2026-11-01..2026-11-30", "--max-active-runs", "3");

      // The first CLI is killed once some runs are done; the backfill goes on in the coordinator.
      Process firstCli = WeftCli.start(weft.dir(), args);
      Path firstErr = WeftCli.stderrOf(weft.dir(), firstCli);
      Conditions.await(Duration.ofMinutes(3), "the first CLI shows runs done", () ->
          Files.readString(firstErr, StandardCharsets.UTF_8).matches("(?s).*done [3-9].*"));
      firstCli.destroyForcibly().waitFor();

      WeftCli.Result again = WeftCli.run(weft.dir(), Map.of(), args);
      assertThat(again.exit()).as(again.toString()).isZero();
      assertThat(again.stdout()).contains("SUCCEEDED").contains("done 30, running 0, failed 0, left 0");

      List<String> dates = Files.readAllLines(weft.dir().resolve("dates.txt"));
      assertThat(dates).hasSize(30).doesNotHaveDuplicates();
      List<RunEvent> events = runEvents(weft);
      List<RunEvent> accepted = events.stream()
          .filter(e -> e.getKind() == RunEventKind.RUN_ACCEPTED && !e.getExisting()).toList();
      assertThat(accepted).extracting(e -> e.getParams().get("date")).hasSize(30).doesNotHaveDuplicates();
      assertThat(maxActive(events)).isBetween(1, 3);

      WeftCli.Result status = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "backfill", "status",
          accepted.get(0).getStartedBy(), "--json"));
      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(JSON.readTree(status.stdout()).get("done").asInt()).isEqualTo(30);
    }
  }

  /** The most runs active at once, from RUN_ACCEPTED and RUN_FINISHED times; a run ending at t frees its slot at t. */
  static int maxActive(List<RunEvent> events) {
    record Edge(long atMs, int delta) {}
    List<Edge> edges = new ArrayList<>();
    for (RunEvent e : events) {
      if (e.getKind() == RunEventKind.RUN_ACCEPTED && !e.getExisting()) edges.add(new Edge(e.getAtMs(), 1));
      if (e.getKind() == RunEventKind.RUN_FINISHED) edges.add(new Edge(e.getFinishedAtMs(), -1));
    }
    edges.sort(Comparator.comparingLong(Edge::atMs).thenComparingInt(Edge::delta));
    int active = 0, max = 0;
    for (Edge edge : edges) max = Math.max(max, active += edge.delta());
    return max;
  }

  /** Every committed run event of this Weft. */
  static List<RunEvent> runEvents(ProcessWeft weft) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "run-events-" + UUID.randomUUID());
    List<RunEvent> out = new ArrayList<>();
    try (KafkaConsumer<String, RunEvent> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
        weft.serdes().runEvent().deserializer())) {
      String topic = weft.topics().runEvents();
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end");
        for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(200))) out.add(r.value());
      }
    }
    return out;
  }

  private static List<String> cli(ProcessWeft weft, ServiceProcess coordinator, String... args) {
    List<String> out = new ArrayList<>(List.of(args));
    out.addAll(List.of("--bootstrap", weft.bootstrapServers(), "--registry", SharedStack.get().registryUrl(),
        "--api", "http://127.0.0.1:" + weft.apiPort(coordinator)));
    if (!args[0].equals("status")) out.addAll(List.of("--topic-prefix", weft.topics().prefix()));
    return out;
  }
}
