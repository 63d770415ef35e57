package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.avro.CommandKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.spec.PipelineBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Schedules and notBefore against a real broker, with {@code weft coordinator} and {@code weft executor process} as
 * their own processes and the real {@code weft schedule} command: a schedule firing every three seconds fires each
 * slot exactly once across a coordinator killed and started again (catchup: the slots of the downtime too), read back
 * from the run events; and a task with a notBefore time starts no earlier than that time.
 */
class ScheduleEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration SLOT = Duration.ofSeconds(3);

  @Test
  @Timeout(420)
  void shouldFireEverySlotExactlyOnceAcrossACoordinatorKill() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("schedule", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      weft.startExecutor("process", "p1", "--max-concurrent", "4");
      Path file = weft.dir().resolve("ticker.yaml");
      Files.writeString(file, """
          pipeline: ticker
          params: {slot: none}
          schedule:
            cron: "*/3 * * * * *"
            timezone: Europe/Berlin
            catchup: true
            maxActiveRuns: 2
            params: {slot: "${scheduled.instant}"}
          tasks:
            - id: tick
              executor: process
              process: {argv: [sh, -c, "echo ${slot} >> ticks.txt"]}
          """);
      WeftCli.Result applied = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "schedule", "apply",
          file.toString()));
      assertThat(applied.exit()).as(applied.toString()).isZero();
      assertThat(applied.stdout()).contains("schedule ticker applied: cron '*/3 * * * * *' in Europe/Berlin");

      Conditions.await(Duration.ofMinutes(2), "three slots fired", () -> slots(weft).size() >= 3);
      coordinator.kill();
      Instant killedAt = Instant.now();
      Thread.sleep(8_000); // at least two slots pass while no coordinator runs
      coordinator = weft.restart(coordinator);
      Instant backAt = Instant.now();
      Conditions.await(Duration.ofMinutes(2), "slots after the restart fired", () -> {
        List<Instant> s = slots(weft);
        return !s.isEmpty() && s.get(s.size() - 1).isAfter(backAt.plus(SLOT));
      });

      WeftCli.Result list = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "schedule", "list"));
      assertThat(list.exit()).as(list.toString()).isZero();
      assertThat(list.stdout()).contains("ticker").contains("*/3 * * * * *").contains("Europe/Berlin");
      WeftCli.Result paused = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "schedule", "pause", "ticker"));
      assertThat(paused.exit()).as(paused.toString()).isZero();
      WeftCli.Result json = WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator, "schedule", "list", "--json"));
      JsonNode schedule = JSON.readTree(json.stdout()).get(0);
      assertThat(schedule.get("paused").asBoolean()).isTrue();
      Conditions.await(Duration.ofMinutes(1), "the active runs ended", () -> {
        JsonNode now = JSON.readTree(WeftCli.run(weft.dir(), Map.of(), cli(weft, coordinator(weft), "schedule", "list",
            "--json")).stdout()).get(0);
        return now.get("activeRuns").isEmpty();
      });
      List<Instant> beforeWait = slots(weft);
      Thread.sleep(2 * SLOT.toMillis());

      List<Instant> slots = slots(weft);
      assertThat(slots).as("nothing fires while paused").isEqualTo(beforeWait);
      assertThat(slots).as("no slot twice").doesNotHaveDuplicates().isSorted();
      for (int i = 1; i < slots.size(); i++) {
        assertThat(Duration.between(slots.get(i - 1), slots.get(i))).as("no slot missed between %s and %s",
            slots.get(i - 1), slots.get(i)).isEqualTo(SLOT);
      }
      assertThat(slots).as("the slots of the downtime fired after the restart")
          .anyMatch(s -> s.isAfter(killedAt.plus(SLOT)) && s.isBefore(backAt));
      assertThat(schedule.get("lastFiredSlot").asText()).isEqualTo(slots.get(slots.size() - 1).toString());
      assertThat(RerunBackfillEndToEndTest.maxActive(runEvents(weft))).isBetween(1, 2);
      // The coordinator published each slot's SUBMIT once (read_committed: a transaction the kill aborted is not
      // there), and each slot's run ran its task once.
      List<String> submitted = submittedSlots(weft);
      assertThat(submitted).doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(slots.stream().map(s -> "schedule/ticker/" + s).toList());
      List<String> ticks = Files.readAllLines(weft.dir().resolve("ticks.txt"));
      assertThat(ticks).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(
          slots.stream().map(Instant::toString).toList());
    }
  }

  @Test
  @Timeout(300)
  void shouldStartATaskNoEarlierThanItsNotBeforeTime() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("notbefore", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      weft.startExecutor("process", "p1");
      Instant notBefore = Instant.now().plusSeconds(20).truncatedTo(ChronoUnit.SECONDS);
      SubmittedRun run = weft.submit(PipelineBuilder.pipeline("later")
          .task(PipelineBuilder.process("first", "true"))
          .task(PipelineBuilder.process("second", "true").dependsOn("first").notBefore(notBefore.toString()))
          .build());
      Conditions.await(Duration.ofSeconds(15), "second waits for its time", () -> {
        JsonNode r = JSON.readTree(weft.getRun(coordinator, run.runId()).body());
        for (JsonNode t : r.get("tasks")) {
          if (t.get("id").asText().equals("second")) return t.path("waitingForTime").asBoolean(false);
        }
        return false;
      });
      WeftCli.Result status = WeftCli.run(weft.dir(), Map.of(), List.of("status", run.runId(), "--api",
          "http://127.0.0.1:" + weft.apiPort(coordinator)));
      assertThat(status.stdout()).contains("waits until " + notBefore + " (notBefore)");

      RunResult result = weft.await(run, Duration.ofMinutes(2));
      assertThat(result.status()).isEqualTo("SUCCEEDED");
      TaskResult second = result.tasks().stream().filter(t -> t.id().equals("second")).findFirst().orElseThrow();
      assertThat(second.startedAtMs()).isGreaterThanOrEqualTo(notBefore.toEpochMilli());
      assertThat(weft.commands()).filteredOn(c -> c.kind() == CommandKind.RUN && c.taskId().equals("second"))
          .singleElement().satisfies(c -> assertThat(c.timestampMs()).isGreaterThanOrEqualTo(notBefore.toEpochMilli()));
    }
  }

  /** The slot of each run the schedule started (RUN_ACCEPTED, not existing), in the order they were accepted. */
  private static List<Instant> slots(ProcessWeft weft) {
    List<Instant> out = new ArrayList<>();
    for (RunEvent e : runEvents(weft)) {
      if (e.getKind() == RunEventKind.RUN_ACCEPTED && !e.getExisting()) out.add(Instant.parse(e.getParams().get("slot")));
    }
    out.sort(null);
    return out;
  }

  /** The idempotency key of every SUBMIT the schedule published, committed, in log order. */
  private static List<String> submittedSlots(ProcessWeft weft) {
    java.util.Properties p = new java.util.Properties();
    p.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers());
    p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<String> out = new ArrayList<>();
    try (org.apache.kafka.clients.consumer.KafkaConsumer<String, dev.weft.avro.RunRequest> consumer =
        new org.apache.kafka.clients.consumer.KafkaConsumer<>(p, new org.apache.kafka.common.serialization.StringDeserializer(),
            weft.serdes().runRequest().deserializer())) {
      String topic = weft.topics().requests();
      List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30))
          .stream().map(i -> new org.apache.kafka.common.TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
        if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end");
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value().getKind() == dev.weft.avro.RequestKind.SUBMIT && "schedule ticker".equals(r.value().getRequester())) {
            out.add(r.value().getIdempotencyKey());
          }
        }
      }
    }
    return out;
  }

  private static List<RunEvent> runEvents(ProcessWeft weft) {
    return RerunBackfillEndToEndTest.runEvents(weft);
  }

  private static ServiceProcess coordinator(ProcessWeft weft) {
    return weft.running().stream().filter(p -> p.name().startsWith("coordinator-")).reduce((a, b) -> b).orElseThrow();
  }

  private static List<String> cli(ProcessWeft weft, ServiceProcess coordinator, String... args) {
    List<String> out = new ArrayList<>(List.of(args));
    out.addAll(List.of("--bootstrap", weft.bootstrapServers(), "--registry", SharedStack.get().registryUrl(),
        "--api", "http://127.0.0.1:" + weft.apiPort(coordinator), "--topic-prefix", weft.topics().prefix()));
    return out;
  }
}
