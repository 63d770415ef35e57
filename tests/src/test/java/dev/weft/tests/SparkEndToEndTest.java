package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cli.Weft;
import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.PipelineSpecs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 end to end: pipelines with {@code executor: spark} tasks on the shared stack (real broker, registry,
 * coordinator, and the spark executor submitting real spark-submit JVMs in local mode). Three Spark submits in
 * all, since each is a JVM start of 10-20 s on a loaded machine; every wait is on a condition with a timeout.
 */
class SparkEndToEndTest {
  /** One pipeline run with one Spark submit, generous for a busy 2-core machine. */
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static DevStack stack;
  private static WeftClient client;

  @BeforeAll
  static void connect() {
    stack = SharedStack.get();
    // Never skip: a stack without the spark executor would leave every spark task waiting for nobody.
    assertThat(stack.executors())
        .as("the shared stack runs a spark executor (Spark's classpath comes from the weft-spark-jobs build; "
            + "run `mvn -o -q install -pl spark-jobs -DskipTests`)")
        .containsKey("spark");
    client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics());
  }

  @AfterAll
  static void close() {
    if (client != null) client.close();
  }

  @Test
  void shouldRunSparkAggregationBetweenProcessTasksAndShowItsTrackingUrl() throws Exception {
    Path work = Files.createDirectories(dir.resolve("revenue-run"));
    String yaml = """
        pipeline: e2e-spark-revenue
        params: {dir: /nonexistent}
        defaults:
          retry: {maxAttempts: 1}
          timeout: 10m
        tasks:
          - id: prepare
            executor: process
            process:
              argv:
                - sh
                - -c
                - |
                  set -e
                  mkdir -p ${dir}/in
                  cat > ${dir}/in/orders.csv.tmp <<'EOF'
                  customer,amount
                  alice,10.50
                  bob,3
                  alice,2.25
                  carol,0.10
                  dave,100
                  carol,0.20
                  bob,4.75
                  EOF
                  mv ${dir}/in/orders.csv.tmp ${dir}/in/orders.csv
          - id: aggregate
            dependsOn: [prepare]
            executor: spark
            spark:
              master: local[2]
              conf: {spark.sql.shuffle.partitions: "2"}
              job: dev.weft.spark.examples.RevenueByCustomer
              params: {input: "${dir}/in/orders.csv", output: "${dir}/revenue"}
          - id: check
            dependsOn: [aggregate]
            executor: process
            process:
              argv:
                - sh
                - -c
                - |
                  awk -F, 'NR == 1 && $0 != "customer,revenue" { print "bad header: " $0; exit 1 }
                    NR > 1 { got[$1] = $2; n++ }
                    END {
                      if (n != 4 || got["alice"] != "12.75" || got["bob"] != "7.75" || got["carol"] != "0.30" ||
                          got["dave"] != "100.00") { print "wrong sums"; exit 1 }
                      print "sums ok"
                    }' ${dir}/revenue/part-*.csv
        """;

    SubmittedRun run = client.submit(PipelineSpecs.parse(yaml), Map.of("dir", work.toString()), null, null);
    RunResult result = client.await(run, RUN_TIMEOUT, RunListener.NONE);

    assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
    assertThat(result.tasks()).extracting(TaskResult::id, TaskResult::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple("prepare", "SUCCEEDED"),
        org.assertj.core.groups.Tuple.tuple("aggregate", "SUCCEEDED"),
        org.assertj.core.groups.Tuple.tuple("check", "SUCCEEDED"));
    assertThat(task(result, "check").logTail()).contains("sums ok");
    // The same sums, checked here too: the check task could be wrong in the same way as the job.
    assertThat(Files.readAllLines(singleCsv(work.resolve("revenue"))))
        .containsExactly("customer,revenue", "alice,12.75", "bob,7.75", "carol,0.30", "dave,100.00");

    // `weft status RUN --json` against the coordinator's API shows the Spark UI address the job itself printed.
    JsonNode status = awaitStatus(run.runId(), "SUCCEEDED");
    JsonNode aggregate = taskNode(status, "aggregate");
    assertThat(aggregate.path("executor").asText()).isEqualTo("spark");
    assertThat(aggregate.path("trackingUrl").asText()).as("aggregate in %s", status).matches("http://127\\.0\\.0\\.1:\\d+");
    assertThat(aggregate.path("handle").asText()).matches("pid \\d+ / local-\\d+");
    assertThat(task(result, "aggregate").trackingUrl()).isEqualTo(aggregate.path("trackingUrl").asText());
  }

  @Test
  void shouldFailTaskWithTheJobsExceptionAndFailItsDependants() throws Exception {
    String message = "no orders for " + UUID.randomUUID();
    String yaml = """
        pipeline: e2e-spark-failing
        params: {message: unset}
        defaults:
          retry: {maxAttempts: 1}
          timeout: 10m
        tasks:
          - id: explode
            executor: spark
            spark:
              master: local[1]
              job: dev.weft.spark.examples.FailingJob
              params: {message: "${message}"}
          - id: publish
            dependsOn: [explode]
            executor: process
            process: {argv: ["true"]}
          - id: notify
            dependsOn: [publish]
            executor: process
            process: {argv: ["true"]}
        """;

    RunResult result = client.run(PipelineSpecs.parse(yaml), Map.of("message", message), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
    TaskResult explode = task(result, "explode");
    assertThat(explode.status()).isEqualTo("FAILED");
    assertThat(explode.attempts()).isEqualTo(1);
    assertThat(explode.exitCode()).as("exit code of %s", explode).isNotNull().isNotZero();
    assertThat(explode.failureKind()).isEqualTo("EXIT_CODE");
    assertThat(explode.lastFailure()).contains("java.lang.IllegalStateException: " + message);
    assertThat(explode.logTail()).contains("at dev.weft.spark.examples.FailingJob.run");
    assertThat(task(result, "publish").status()).isEqualTo("UPSTREAM_FAILED");
    assertThat(task(result, "notify").status()).isEqualTo("UPSTREAM_FAILED");

    JsonNode status = awaitStatus(result.runId(), "FAILED");
    assertThat(taskNode(status, "explode").path("lastFailure").asText()).contains(message);
  }

  @Test
  void shouldCancelRunningSparkJobAndLeaveNoDriverBehind() throws Exception {
    // The marker is a Spark conf entry, so it is on the driver JVM's command line and nowhere else.
    String marker = "weft-e2e-" + UUID.randomUUID();
    String yaml = """
        pipeline: e2e-spark-cancel
        params: {marker: unset}
        defaults:
          retry: {maxAttempts: 1}
          timeout: 10m
        tasks:
          - id: sleep
            executor: spark
            spark:
              master: local[2]
              conf: {spark.weft.testMarker: "${marker}"}
              job: dev.weft.spark.examples.SleepingJob
              params: {seconds: "600", partitions: "1", childCommand: "sleep 600"}
          - id: after
            dependsOn: [sleep]
            executor: process
            process: {argv: ["true"]}
        """;

    SubmittedRun run = client.submit(PipelineSpecs.parse(yaml), Map.of("marker", marker), null, null);
    // Cancel only once the job runs: the driver JVM is up and the job has started its child process.
    List<ProcessHandle> tree;
    try {
      tree = awaitDriverTree(marker, RUN_TIMEOUT);
    } catch (AssertionError e) {
      // Do not leave a 10-minute job behind for the tests that follow.
      client.cancel(run.runId(), null, "e2e: test failed before cancelling");
      throw e;
    }
    client.cancel(run.runId(), null, "e2e: operator cancels");
    RunResult result = client.await(run, RUN_TIMEOUT, RunListener.NONE);

    assertThat(result.status()).as("run %s", result).isEqualTo("CANCELLED");
    assertThat(task(result, "sleep").status()).isEqualTo("CANCELLED");
    assertThat(task(result, "after").status()).isEqualTo("CANCELLED");
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (System.nanoTime() < deadline && (tree.stream().anyMatch(ProcessHandle::isAlive) || driverOf(marker).isPresent())) {
      Thread.sleep(200);
    }
    assertThat(tree.stream().filter(ProcessHandle::isAlive).map(SparkEndToEndTest::describe).toList())
        .as("processes of the cancelled Spark job still alive a minute after the run ended").isEmpty();
    assertThat(driverOf(marker).map(SparkEndToEndTest::describe)).as("a JVM with the marker").isEmpty();
  }

  /** The driver JVM carrying {@code marker} and its descendants, once the job's {@code sleep} child shows. */
  private static List<ProcessHandle> awaitDriverTree(String marker, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<ProcessHandle> driver = driverOf(marker);
      if (driver.isPresent()) {
        List<ProcessHandle> descendants = driver.get().descendants().toList();
        if (descendants.stream().anyMatch(h -> h.info().command().orElse("").endsWith("sleep"))) {
          return Stream.concat(driver.stream(), descendants.stream()).toList();
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("no SparkSubmit JVM with " + marker + " and a 'sleep' child appeared within " + max);
  }

  /** A live process running SparkSubmit whose command line carries {@code marker}. */
  private static Optional<ProcessHandle> driverOf(String marker) {
    return ProcessHandle.allProcesses()
        .filter(h -> {
          String cmd = commandLine(h);
          return cmd.contains("org.apache.spark.deploy.SparkSubmit") && cmd.contains(marker);
        })
        .findFirst();
  }

  /**
   * The full command line. {@code ProcessHandle.Info.arguments()} is the first choice; /proc is read when the JDK
   * gives none, since a Spark driver's classpath makes its command line tens of kilobytes long.
   */
  private static String commandLine(ProcessHandle h) {
    Optional<String[]> args = h.info().arguments();
    if (args.isPresent()) return h.info().command().orElse("") + " " + String.join(" ", args.get());
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")),
          StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return ""; // gone, or not ours to read
    }
  }

  private static String describe(ProcessHandle h) {
    String cmd = commandLine(h);
    return "pid " + h.pid() + " " + (cmd.length() > 200 ? cmd.substring(0, 200) + "..." : cmd);
  }

  /**
   * {@code weft status RUN --json --api URL} until the run shows {@code expected}: the query API reads the
   * coordinator's store, which a requester may read a moment before the last update is visible.
   */
  private static JsonNode awaitStatus(String runId, String expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code = Weft.run(List.of("status", runId, "--json", "--api", stack.apiUrl()),
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
      last = "exit " + code + ": " + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
      if (code == 0) {
        JsonNode run = JSON.readTree(out.toString(StandardCharsets.UTF_8));
        if (expected.equals(run.path("status").asText())) return run;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("weft status " + runId + " never showed " + expected + "; last answer " + last);
  }

  private static JsonNode taskNode(JsonNode run, String taskId) {
    for (JsonNode t : run.path("tasks")) if (taskId.equals(t.path("id").asText())) return t;
    throw new AssertionError("no task " + taskId + " in " + run);
  }

  private static TaskResult task(RunResult result, String id) {
    return result.tasks().stream().filter(t -> t.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no task " + id + " in " + result));
  }

  private static Path singleCsv(Path outputDir) throws IOException {
    try (Stream<Path> files = Files.list(outputDir)) {
      List<Path> csvs = files.filter(p -> p.getFileName().toString().endsWith(".csv")).collect(Collectors.toList());
      assertThat(csvs).as("CSV parts in %s", outputDir).hasSize(1);
      return csvs.get(0);
    }
  }
}
