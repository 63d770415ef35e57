package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.spec.PipelineSpecs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.HashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The completion sink end to end, on the real broker and registry, a coordinator and a process executor as their own
 * JVMs, the sink as its own JVM ({@code weft sink}) writing to a real S3 endpoint (moto 5.2.1, bucket versioning on),
 * and the real {@code weft history} and {@code weft status} commands as processes. Runs of every outcome (succeeded,
 * failed after a retry, cancelled, rejected) appear with every attempt; the sink is killed with SIGKILL twice while
 * runs finish, and every object is there exactly once (one version per key: no PUT stored anything twice).
 */
class CompletionSinkEndToEndTest {
  static final String BUCKET = "weft-history";
  static final String HISTORY = "s3://" + BUCKET + "/e2e";
  static final ObjectMapper JSON = new ObjectMapper();

  static VersionedS3Endpoint s3;
  static ProcessWeft weft;
  static ServiceProcess coordinator;

  @BeforeAll
  static void start() throws Exception {
    weft = new ProcessWeft("sink", 2);
    s3 = VersionedS3Endpoint.start(weft.dir(), BUCKET);
    coordinator = weft.startCoordinator("c1");
    weft.startExecutor("process", "p1", "--max-concurrent", "8");
  }

  @AfterAll
  static void stop() {
    if (weft != null) weft.close();
    if (s3 != null) s3.close();
  }

  @Test
  void shouldWriteEveryRunAndAttemptExactlyOnceAcrossKillsAndShowThemInHistory() throws Exception {
    ServiceProcess sink = weft.startSink("s1", HISTORY, s3.environment());
    List<SubmittedRun> succeeded = new ArrayList<>();
    SubmittedRun failed;
    SubmittedRun cancelled;
    String rejectedRunId = "rejected-" + System.nanoTime();
    try (WeftClient client = new WeftClient(weft.bootstrapServers(), weft.serdes(), weft.topics())) {
      for (int i = 0; i < 12; i++) {
        succeeded.add(client.submit(PipelineSpecs.parse("""
            pipeline: fan
            tasks:
              - {id: a, executor: process, process: {argv: [sh, -c, "echo a"]}, output: "/nonexistent/a-%d"}
              - {id: b, executor: process, process: {argv: [sh, -c, "echo b"]}, dependsOn: [a]}
              - {id: c, executor: process, process: {argv: [sh, -c, "echo c"]}, dependsOn: [a]}
              - {id: d, executor: process, process: {argv: [sh, -c, "echo d"]}, dependsOn: [b, c]}
            """.formatted(i)), Map.of(), null, null));
      }
      failed = client.submit(PipelineSpecs.parse("""
          pipeline: flaky
          tasks:
            - id: boom
              executor: process
              process: {argv: [sh, -c, "echo failing >&2; exit 3"]}
              retry: {maxAttempts: 2, backoff: 200ms, jitter: 0}
            - {id: after, executor: process, process: {argv: ["true"]}, dependsOn: [boom]}
          """), Map.of(), null, null);
      cancelled = client.submit(PipelineSpecs.parse("""
          pipeline: slow
          tasks:
            - {id: sleepy, executor: process, process: {argv: [sleep, "60"]}}
          """), Map.of(), null, null);
      reject(rejectedRunId);

      // Kill the sink while runs are finishing: once some objects are written, and again later.
      awaitObjects(5);
      sink.kill();
      sink = weft.restart(sink);
      awaitObjects(25);
      sink.kill();
      sink = weft.restart(sink);

      await(client, failed);
      client.cancel(cancelled.runId(), null, "the test cancels it");
      await(client, cancelled);
      for (SubmittedRun r : succeeded) assertThat(await(client, r).status()).isEqualTo("SUCCEEDED");
    }

    // 12 runs x (4 tasks, 4 attempts, 1 run, 1 pointer) + flaky (2 tasks, 2 attempts of boom, 1 run, 1 pointer)
    // + slow (1 task, 1 attempt, 1 run, 1 pointer) + the rejection (its record and its pointer).
    int expected = 12 * 10 + 6 + 4 + 2;
    awaitObjects(expected);
    Map<String, Integer> versions = s3.versionsByKey(BUCKET);
    assertThat(versions).hasSize(expected);
    assertThat(versions).as("one version per key: no object was written twice").allSatisfy((k, n) -> assertThat(n)
        .as(k).isEqualTo(1));
    assertThat(versions.keySet()).allSatisfy(k -> assertThat(k).startsWith("e2e/"));

    // The worst case of a kill between writing and committing, for every record at once: the group's offsets back
    // to the start, then a new sink process. It reads everything again and stores nothing again.
    sink.kill();
    rewindSinkGroup();
    sink = weft.restart(sink);
    awaitSinkCaughtUp();
    assertThat(s3.versionsByKey(BUCKET)).as("after everything was read again").isEqualTo(versions);

    // weft history, the real CLI: every outcome, newest first.
    JsonNode page = JSON.readTree(cli("history", "--json", "--limit", "100").stdout());
    List<String> statuses = new ArrayList<>();
    page.get("runs").forEach(r -> statuses.add(r.get("status").asText()));
    assertThat(statuses).contains("SUCCEEDED", "FAILED", "CANCELLED", "REJECTED");
    assertThat(page.get("runs")).hasSize(15);
    long previous = Long.MAX_VALUE;
    for (JsonNode r : page.get("runs")) {
      assertThat(r.get("acceptedAtMs").asLong()).isLessThanOrEqualTo(previous);
      previous = r.get("acceptedAtMs").asLong();
    }
    JsonNode firstPage = JSON.readTree(cli("history", "--json", "--limit", "2", "--pipeline", "fan").stdout());
    assertThat(firstPage.get("runs")).hasSize(2);
    assertThat(firstPage.get("nextBefore").isNumber()).isTrue();
    JsonNode failedOnly = JSON.readTree(cli("history", "--json", "--status", "failed").stdout());
    assertThat(failedOnly.get("runs")).extracting(r -> r.get("runId").asText()).containsExactly(failed.runId());

    // weft history RUN: the retried failure, with both attempts.
    JsonNode flaky = JSON.readTree(cli("history", failed.runId(), "--json").stdout());
    assertThat(flaky.get("run").get("status").asText()).isEqualTo("FAILED");
    assertThat(flaky.get("run").get("specHash").asText()).hasSize(64);
    List<String> attempts = new ArrayList<>();
    flaky.get("attempts").forEach(a -> attempts.add(a.get("taskId").asText() + "#" + a.get("attempt").asInt() + " "
        + a.get("status").asText() + " retrying=" + a.get("retrying").asBoolean() + " exit=" + a.get("exitCode")));
    assertThat(attempts).containsExactly("boom#1 FAILED retrying=true exit=3", "boom#2 FAILED retrying=false exit=3");
    assertThat(flaky.get("attempts").get(0).get("source").asText()).isEqualTo("p1");
    List<String> tasks = new ArrayList<>();
    flaky.get("tasks").forEach(t -> tasks.add(t.get("taskId").asText() + " " + t.get("status").asText()));
    assertThat(tasks).containsExactlyInAnyOrder("boom FAILED", "after UPSTREAM_FAILED");
    JsonNode fan = JSON.readTree(cli("history", succeeded.get(0).runId(), "--json").stdout());
    assertThat(fan.get("attempts")).hasSize(4);
    JsonNode dAttempt = fan.get("attempts").get(3);
    assertThat(dAttempt.get("taskId").asText()).isEqualTo("d");
    JsonNode slow = JSON.readTree(cli("history", cancelled.runId(), "--json").stdout());
    assertThat(slow.get("run").get("status").asText()).isEqualTo("CANCELLED");
    assertThat(slow.get("attempts").get(0).get("status").asText()).isEqualTo("CANCELLED");
    WeftCli.Result text = cli("history", failed.runId());
    assertThat(text.stdout()).contains("attempt 1", "attempt 2", "(retried)", "UPSTREAM_FAILED");

    // weft status falls back to history for a run the coordinator never held (it rejected the request).
    WeftCli.Result status = cli("status", rejectedRunId, "--api", "http://127.0.0.1:" + weft.apiPort(coordinator));
    assertThat(status.exit()).as(status.toString()).isZero();
    assertThat(status.stderr()).contains("from history");
    assertThat(status.stdout()).contains("REJECTED", "broken");
    WeftCli.Result unknown = cli("status", "never-was", "--api", "http://127.0.0.1:" + weft.apiPort(coordinator));
    assertThat(unknown.exit()).isEqualTo(3);
    sink.terminate(Duration.ofSeconds(10));
  }

  /** A request the coordinator rejects: an executor that does not exist. It never holds the run. */
  private void reject(String runId) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers());
    try (KafkaProducer<String, RunRequest> producer = new KafkaProducer<>(p, new StringSerializer(),
        weft.serdes().runRequest().serializer())) {
      producer.send(new ProducerRecord<>(weft.topics().requests(), runId, RunRequest.newBuilder()
          .setKind(RequestKind.SUBMIT).setRunId(runId).setRequestedAtMs(System.currentTimeMillis()).setRequester("test")
          .setSpecJson("{\"pipeline\": \"broken\", \"tasks\": [{\"id\": \"a\", \"executor\": \"nope\"}]}").build()))
          .get(30, TimeUnit.SECONDS);
    }
  }

  private static void rewindSinkGroup() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
      admin.describeTopics(List.of(weft.topics().runEvents())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(weft.topics().runEvents()).partitions()
          .forEach(p -> start.put(new TopicPartition(weft.topics().runEvents(), p.partition()), new OffsetAndMetadata(0)));
      // The killed static member holds the group until its session times out (10 s); only then may offsets move.
      Conditions.await(Duration.ofSeconds(60), "the sink group's offsets rewound", () -> {
        try {
          admin.alterConsumerGroupOffsets(sinkGroup(), start).all().get(10, TimeUnit.SECONDS);
          return true;
        } catch (java.util.concurrent.ExecutionException e) {
          return false;
        }
      });
    }
  }

  private static void awaitSinkCaughtUp() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers()))) {
      Conditions.await(Duration.ofMinutes(2), "the sink read run-events to the end again", () -> {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(sinkGroup())
            .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
            .get(10, TimeUnit.SECONDS);
        return !committed.isEmpty() && committed.entrySet().stream()
            .allMatch(e -> e.getValue() != null && e.getValue().offset() >= ends.get(e.getKey()).offset());
      });
    }
  }

  private static String sinkGroup() {
    return weft.topics().prefix() + "completion-sink";
  }

  private static RunResult await(WeftClient client, SubmittedRun run) throws Exception {
    return client.await(run, Duration.ofMinutes(3), RunListener.NONE);
  }

  private static void awaitObjects(int n) throws Exception {
    Conditions.await(Duration.ofMinutes(3), n + " history objects in S3", () -> s3.versionsByKey(BUCKET).size() >= n);
  }

  /** {@code weft ARGS --history HISTORY} as its own JVM, the way a user runs it, with the S3 endpoint in its env. */
  private static WeftCli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--history", HISTORY));
    return WeftCli.run(weft.dir(), s3.environment(), all);
  }
}
