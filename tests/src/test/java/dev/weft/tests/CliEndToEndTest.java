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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code weft} command as a user runs it, on the real shared stack: {@code submit --wait} with the Luigi-style
 * summary and with {@code --json}, {@code status} against the coordinator's query API, and the exit codes scripts
 * rely on. The CLI runs in this JVM through {@link Weft#run}, which is what {@code main} calls.
 */
class CliEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static DevStack stack;

  @BeforeAll
  static void connect() {
    stack = SharedStack.get();
  }

  /** Output of one command. */
  record Result(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return JSON.readTree(out);
    }
  }

  static Result weft(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of(argv));
    args.addAll(List.of("--bootstrap", stack.bootstrapServers(), "--registry", stack.registryUrl(),
        "--api", "http://127.0.0.1:" + stack.coordinator().apiPort()));
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit = Weft.run(args, o, e);
    }
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** extract (writes a file named after the date) -> transform -> report. */
  private static Path goodPipeline(Path dir) throws Exception {
    String yaml = """
        pipeline: cli-daily
        params:
          date: "2000-01-01"
          dir: "%s"
        tasks:
          - id: extract
            executor: process
            process:
              argv: ["sh", "-c", "echo 'order,1' > ${dir}/orders-${date}.csv"]
          - id: transform
            dependsOn: [extract]
            executor: process
            process:
              argv: ["sh", "-c", "wc -l < ${dir}/orders-${date}.csv > ${dir}/count-${date}.txt"]
          - id: report
            dependsOn: [transform]
            executor: noop
        """.formatted(dir);
    Path file = dir.resolve("good.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  /** prepare -> broken -> (load -> publish); prepare -> side: broken exits 3 after printing to stderr. */
  private static Path failingPipeline(Path dir) throws Exception {
    String yaml = """
        pipeline: cli-failing
        defaults:
          retry: {maxAttempts: 1}
        tasks:
          - {id: prepare, executor: noop}
          - id: broken
            dependsOn: [prepare]
            executor: process
            process:
              argv: ["sh", "-c", "echo 'connecting to the warehouse'; echo 'permission denied on table sales' >&2; exit 3"]
          - {id: load, executor: noop, dependsOn: [broken]}
          - {id: publish, executor: noop, dependsOn: [load]}
          - id: side
            dependsOn: [prepare]
            executor: process
            process:
              argv: ["sh", "-c", "sleep 0.5"]
        """;
    Path file = dir.resolve("failing.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void shouldSubmitWaitAndPrintTheSummaryThenShowStatus(@TempDir Path dir) throws Exception {
    Path file = goodPipeline(dir);

    Result r = weft("submit", file.toString(), "--param", "date=2026-11-22", "--wait");

    assertThat(r.exit()).as("exit code; stderr:\n%s\nstdout:\n%s", r.err(), r.out()).isEqualTo(0);
    assertThat(r.out()).contains("===== Weft Execution Summary =====")
        .contains("Scheduled 3 tasks of which:")
        .contains("* 3 ran successfully:")
        .contains("- extract").contains("- transform").contains("- report")
        .contains("This progress looks :) because there were no failed tasks")
        .contains("===== End of Weft Execution Summary =====");
    // The parameter reached the process: the file carries the date given on the command line, not the default.
    assertThat(dir.resolve("orders-2026-11-22.csv")).hasContent("order,1");
    assertThat(dir.resolve("orders-2000-01-01.csv")).doesNotExist();
    String runId = runIdFromStderr(r.err());
    assertThat(r.out()).contains("Run " + runId + " SUCCEEDED");

    Result status = weft("status", runId);
    assertThat(status.exit()).as("status stderr: %s", status.err()).isEqualTo(0);
    assertThat(status.out()).contains("run " + runId).contains("pipeline cli-daily").contains("status SUCCEEDED")
        .contains("(3/3 tasks finished)");
    assertThat(status.out().lines().filter(l -> l.matches("^(extract|transform|report)\\s+SUCCEEDED\\s+.*")))
        .hasSize(3);

    Result statusJson = weft("status", runId, "--json");
    assertThat(statusJson.exit()).isEqualTo(0);
    JsonNode s = statusJson.json();
    assertThat(s.get("runId").asText()).isEqualTo(runId);
    assertThat(s.get("pipeline").asText()).isEqualTo("cli-daily");
    assertThat(s.get("status").asText()).isEqualTo("SUCCEEDED");
    assertThat(s.get("taskCount").asInt()).isEqualTo(3);
    assertThat(counts(s.get("counts"))).isEqualTo(Map.of("SUCCEEDED", 3));
    assertThat(s.get("params").get("date").asText()).isEqualTo("2026-11-22");
    Map<String, JsonNode> tasks = tasks(s);
    // The query API lists tasks by id (its store's order), not in pipeline order.
    assertThat(tasks.keySet()).containsExactlyInAnyOrder("extract", "transform", "report");
    for (JsonNode t : tasks.values()) {
      assertThat(t.get("status").asText()).isEqualTo("SUCCEEDED");
      assertThat(t.get("attempts").asInt()).isEqualTo(1);
    }
    assertThat(tasks.get("extract").get("executor").asText()).isEqualTo("process");
    assertThat(tasks.get("report").get("executor").asText()).isEqualTo("noop");
  }

  @Test
  void shouldExitNonZeroAndNameTheFailedAndUpstreamFailedTasks(@TempDir Path dir) throws Exception {
    Result r = weft("submit", failingPipeline(dir).toString(), "--wait");

    assertThat(r.exit()).as("stdout:\n%s", r.out()).isEqualTo(1);
    String out = r.out();
    assertThat(out).contains("Scheduled 5 tasks of which:")
        .contains("* 2 ran successfully:")
        .contains("* 1 failed:")
        .contains("- broken (attempts 1, exit code 3)")
        .contains("| permission denied on table sales")
        .contains("* 2 were left pending, among these:")
        .contains("* 2 had failed dependencies:")
        .contains("- load").contains("- publish")
        .contains("FAILED")
        .contains("This progress looks :( because there were failed tasks");
    // The failed task is listed under "failed", its dependants under "had failed dependencies".
    assertThat(out.indexOf("- broken")).isBetween(out.indexOf("* 1 failed:"), out.indexOf("* 2 were left pending"));
    assertThat(out.indexOf("- load")).isGreaterThan(out.indexOf("* 2 had failed dependencies:"));
  }

  /** No batch executor runs on this stack: submit warns, and the task fails at its queue timeout naming the group. */
  @Test
  void shouldWarnOfAnExecutorGroupWithoutMembersAndFailItsTaskAtTheQueueTimeout(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("unserved.yaml");
    Files.writeString(file, """
        pipeline: cli-unserved
        tasks:
          - {id: first, executor: noop}
          - {id: unserved, executor: batch, batch: {image: weft-test/busybox:1}, queueTimeout: 3s, dependsOn: [first]}
          - {id: after, executor: noop, dependsOn: [unserved]}
        """);
    Result r = weft("submit", file.toString(), "--wait", "--json");

    assertThat(r.err()).contains("warning: no executor is running in group 'weft-executor-batch'")
        .contains("weft executor batch").doesNotContain("group 'weft-executor-noop'");
    assertThat(r.exit()).as("stderr:\n%s", r.err()).isEqualTo(1);
    Map<String, JsonNode> tasks = tasks(r.json());
    JsonNode unserved = tasks.get("unserved");
    assertThat(unserved.path("status").asText()).isEqualTo("FAILED");
    assertThat(unserved.path("failureKind").asText()).isEqualTo("QUEUE_TIMED_OUT");
    assertThat(unserved.path("lastFailure").asText()).contains("weft-executor-batch").contains("queue timeout of 3s");
    assertThat(status(tasks, "after")).isEqualTo("UPSTREAM_FAILED");
  }

  @Test
  void shouldPrintTheRunAsJsonForScripts(@TempDir Path dir) throws Exception {
    Result r = weft("submit", failingPipeline(dir).toString(), "--wait", "--json");

    assertThat(r.exit()).as("stderr:\n%s", r.err()).isEqualTo(1);
    JsonNode j = r.json();
    String runId = j.get("runId").asText();
    assertThat(runId).startsWith("cli-failing-");
    assertThat(j.get("status").asText()).isEqualTo("FAILED");
    assertThat(j.get("pipeline").asText()).isEqualTo("cli-failing");
    assertThat(j.get("taskCount").asInt()).isEqualTo(5);
    assertThat(counts(j.get("counts"))).isEqualTo(Map.of("SUCCEEDED", 2, "FAILED", 1, "UPSTREAM_FAILED", 2));
    Map<String, JsonNode> tasks = tasks(j);
    assertThat(tasks.keySet()).containsExactly("prepare", "broken", "load", "publish", "side");
    assertThat(status(tasks, "prepare")).isEqualTo("SUCCEEDED");
    assertThat(status(tasks, "side")).isEqualTo("SUCCEEDED");
    assertThat(status(tasks, "load")).isEqualTo("UPSTREAM_FAILED");
    assertThat(status(tasks, "publish")).isEqualTo("UPSTREAM_FAILED");
    JsonNode broken = tasks.get("broken");
    assertThat(broken.get("status").asText()).isEqualTo("FAILED");
    assertThat(broken.get("attempts").asInt()).isEqualTo(1);
    assertThat(broken.get("exitCode").asInt()).isEqualTo(3);
    assertThat(broken.get("lastFailure").asText()).contains("exit code 3");
    assertThat(broken.get("logTail").asText()).contains("permission denied on table sales");
    assertThat(tasks.get("load").get("lastFailure").asText()).contains("broken");

    // weft status --json has the same shape: run id, status, counts, and per task status, attempts, last failure.
    Result status = weft("status", runId, "--json");
    assertThat(status.exit()).as("status stderr: %s", status.err()).isEqualTo(0);
    JsonNode s = status.json();
    assertThat(s.get("runId").asText()).isEqualTo(runId);
    assertThat(s.get("status").asText()).isEqualTo("FAILED");
    assertThat(counts(s.get("counts"))).isEqualTo(counts(j.get("counts")));
    Map<String, JsonNode> viewTasks = tasks(s);
    assertThat(viewTasks.keySet()).containsExactlyInAnyOrderElementsOf(tasks.keySet());
    for (String id : tasks.keySet()) {
      assertThat(status(viewTasks, id)).as(id).isEqualTo(status(tasks, id));
      assertThat(viewTasks.get(id).get("attempts").asInt()).as(id).isEqualTo(tasks.get(id).get("attempts").asInt());
    }
    assertThat(viewTasks.get("broken").get("lastFailure").asText()).contains("exit code 3");

    Result table = weft("status", runId);
    assertThat(table.exit()).isEqualTo(0);
    assertThat(table.out()).contains("status FAILED");
    assertThat(table.out().lines().filter(l -> l.matches("^broken\\s+FAILED\\s+process\\s+1\\s+.*exit code 3.*")))
        .hasSize(1);
    assertThat(table.out().lines().filter(l -> l.matches("^(load|publish)\\s+UPSTREAM_FAILED\\s+.*"))).hasSize(2);
  }

  @Test
  void shouldSayWhenARunDoesNotExist() {
    Result r = weft("status", "no-such-run-20000101-000000-abcdef");

    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("no run 'no-such-run-20000101-000000-abcdef'");
  }

  @Test
  void shouldReportSpecErrorsWithTheirLocationAndExitTwo(@TempDir Path dir) throws Exception {
    Path dangling = dir.resolve("dangling.yaml");
    Files.writeString(dangling, """
        pipeline: broken-spec
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, dependsOn: [a, ghost]}
        """);
    Result r = weft("submit", dangling.toString(), "--wait");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("the pipeline spec is invalid").contains("tasks[1](b).dependsOn[1]: unknown task 'ghost'");

    Path typo = dir.resolve("typo.yaml");
    Files.writeString(typo, """
        pipeline: typo
        tasks:
          - id: a
            executor: process
            process:
              argv: ["true"]
              enviroment: {A: b}
        """);
    Result t = weft("submit", typo.toString());
    assertThat(t.exit()).isEqualTo(2);
    assertThat(t.err()).contains("unknown field 'enviroment'").contains("line 7");
  }

  /**
   * {@code --kafka-config} reaches every Kafka client {@code submit --wait} makes (the executor check's admin client,
   * the producer, the consumer that follows the run), and {@code --registry-user} is accepted by a registry that asks
   * for none.
   */
  @Test
  void shouldGiveEveryKafkaClientOfSubmitTheKafkaConfigFile(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("client.properties");
    Files.writeString(config, """
        metric.reporters=dev.weft.tests.RecordingMetricsReporter
        weft.test.marker=cli-end-to-end
        """);
    RecordingMetricsReporter.CONFIGURED.clear();

    Result r = weft("submit", goodPipeline(dir).toString(), "--wait", "--json", "--kafka-config", config.toString(),
        "--registry-user", "alice:s3cret");

    assertThat(r.exit()).as("stderr:\n%s", r.err()).isEqualTo(0);
    List<Map<String, ?>> clients = RecordingMetricsReporter.CONFIGURED.stream()
        .filter(c -> "cli-end-to-end".equals(c.get("weft.test.marker"))).toList();
    assertThat(clients).as("admin, producer, consumer").hasSizeGreaterThanOrEqualTo(3);
    assertThat(clients).anySatisfy(c -> assertThat(c).containsKey("default.api.timeout.ms"));
    assertThat(clients).anySatisfy(c -> assertThat(c.get("acks")).isEqualTo("all"));
    assertThat(clients).anySatisfy(c -> assertThat(c.get("isolation.level")).isEqualTo("read_committed"));
  }

  @Test
  void shouldWatchARunToItsEndWithALinePerChangeAndTheRunsExitCode(@TempDir Path dir) throws Exception {
    Result submitted = weft("submit", failingPipeline(dir).toString(), "--json");
    assertThat(submitted.exit()).as("stderr:\n%s", submitted.err()).isEqualTo(0);
    String runId = submitted.json().get("runId").asText();

    Result watch = weft("status", runId, "--watch");

    assertThat(watch.exit()).as("stderr:\n%s", watch.err()).isEqualTo(1);
    assertThat(watch.out()).contains("task broken FAILED").contains("run " + runId + " FAILED")
        .contains("task load UPSTREAM_FAILED");
    // Not a terminal: plain lines, no escape sequences or carriage returns.
    assertThat(watch.out()).doesNotContain("\u001b").doesNotContain("\r");
    assertThat(watch.err()).doesNotContain("\u001b").doesNotContain("\r");
    // The finished run is then shown as weft status shows it.
    assertThat(watch.out().lines().filter(l -> l.matches("^broken\\s+FAILED\\s+process\\s+1\\s+.*"))).hasSize(1);
  }

  @Test
  void shouldShowPlainProgressLinesWhenNotOnATerminal(@TempDir Path dir) throws Exception {
    Result r = weft("submit", goodPipeline(dir).toString(), "--wait");

    assertThat(r.exit()).isZero();
    assertThat(r.err()).contains("accepted: 3 tasks").containsPattern("\\[3/3\\] ok   report SUCCEEDED");
    assertThat(r.err()).doesNotContain("\u001b").doesNotContain("\r");
  }

  private static String runIdFromStderr(String err) {
    for (String line : err.lines().toList()) {
      if (line.startsWith("submitted run ")) return line.substring("submitted run ".length()).split(";")[0].trim();
    }
    throw new AssertionError("no 'submitted run' line in stderr:\n" + err);
  }

  private static Map<String, Integer> counts(JsonNode counts) {
    Map<String, Integer> m = new HashMap<>();
    counts.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
    return m;
  }

  /** Tasks by id, in the order the JSON lists them. */
  private static Map<String, JsonNode> tasks(JsonNode run) {
    Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
    for (Iterator<JsonNode> it = run.get("tasks").elements(); it.hasNext(); ) {
      JsonNode t = it.next();
      m.put(t.get("id").asText(), t);
    }
    return m;
  }

  private static String status(Map<String, JsonNode> tasks, String id) {
    return tasks.get(id).get("status").asText();
  }
}
