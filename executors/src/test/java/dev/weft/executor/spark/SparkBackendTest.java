package dev.weft.executor.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spark backend against real spark-submit: Spark 3.5 in local mode in a child JVM, Spark's classpath from
 * the weft-spark-jobs build. Each real submit costs a JVM start (about 10 s on 2 cores), so there are four.
 */
class SparkBackendTest {
  private static final Duration SPARK_RUN = Duration.ofSeconds(150);

  @TempDir static Path dir;
  private static SparkBackend backend;

  @BeforeAll
  static void startBackend() {
    // require(), not locate(): a missing Spark classpath must fail this test with the reason, never skip it.
    SparkBackendConfig config = SparkBackendConfig.local(SparkClasspath.require(), "local[2]", dir)
        .withDefaultConf(Map.of("spark.sql.shuffle.partitions", "2"));
    backend = new SparkBackend(config);
  }

  @AfterAll
  static void closeBackend() {
    if (backend != null) backend.close();
  }

  @Test
  void shouldRunInlineJobReportTrackingUrlWhileRunningAndWriteResult() throws Exception {
    Path input = dir.resolve("orders.csv");
    Files.writeString(input, "customer,amount\nalice,10.50\nbob,3\nalice,2.25\ncarol,0.10\ncarol,0.20\n");
    Path output = dir.resolve("revenue");
    Set<Path> paramsFilesBefore = paramsFiles();
    RecordingListener listener = new RecordingListener();

    RunningAttempt attempt = backend.launch(request("revenue", Map.of(
        "job", "dev.weft.spark.examples.RevenueByCustomer",
        "params", Map.of("input", input.toString(), "output", output.toString())), null), listener);
    AttemptOutcome outcome = listener.outcome.get(SPARK_RUN.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.exitCode()).isZero();
    try (Stream<Path> files = Files.list(output)) {
      Path csv = files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
      assertThat(Files.readAllLines(csv)).containsExactly("customer,revenue", "alice,12.75", "bob,3.00", "carol,0.30");
    }
    assertThat(listener.urls).hasSize(1);
    assertThat(listener.urls.get(0)).matches("http://127\\.0\\.0\\.1:\\d+");
    // The UI answered when the URL was reported: the application was running then, not already finished.
    assertThat(listener.uiStatusWhenReported).isEqualTo(200);
    assertThat(attempt.handle()).matches("pid \\d+ / local-\\d+");
    assertThat(paramsFiles()).as("the params file is deleted when the attempt ends").isEqualTo(paramsFilesBefore);
  }

  @Test
  void shouldFailWithExitCodeAndTheJobsExceptionAsReason() throws Exception {
    RecordingListener listener = new RecordingListener();

    backend.launch(request("fails", Map.of(
        "job", "dev.weft.spark.examples.FailingJob", "params", Map.of("message", "bad input")), null), listener);
    AttemptOutcome outcome = listener.outcome.get(SPARK_RUN.toSeconds(), TimeUnit.SECONDS);

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.failureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(outcome.exitCode()).isEqualTo(1);
    assertThat(outcome.reason())
        .isEqualTo("spark-submit exited with code 1: java.lang.IllegalStateException: bad input");
    assertThat(outcome.logTail()).contains("at dev.weft.spark.examples.FailingJob.run");
  }

  @Test
  void shouldStopDriverAndItsDescendantsOnCancel() throws Exception {
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request("sleeps", Map.of(
        "job", "dev.weft.spark.examples.SleepingJob",
        "params", Map.of("seconds", "600", "childCommand", "sleep 600")), null), listener);
    ProcessHandle driver = ProcessHandle.of(pidOf(attempt)).orElseThrow();
    // Wait for the job's child process: then the driver is deep in the job, with a descendant to stop too.
    List<ProcessHandle> tree = awaitTree(driver, Duration.ofSeconds(120));

    attempt.cancel(Duration.ofSeconds(5), "operator asked");
    AttemptOutcome outcome = listener.outcome.get(60, TimeUnit.SECONDS);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(outcome.reason()).isEqualTo("cancelled: operator asked");
    for (ProcessHandle h : tree) {
      h.onExit().get(10, TimeUnit.SECONDS);
      assertThat(h.isAlive()).as("pid %d (%s) after cancel", h.pid(), h.info().command().orElse("?")).isFalse();
    }
  }

  @Test
  void shouldStopJobThatOutlivesItsTimeout() throws Exception {
    RecordingListener listener = new RecordingListener();
    long start = System.nanoTime();

    RunningAttempt attempt = backend.launch(request("slow", Map.of(
        "job", "dev.weft.spark.examples.SleepingJob", "params", Map.of("seconds", "600")), Duration.ofSeconds(2)),
        listener);
    AttemptOutcome outcome = listener.outcome.get(60, TimeUnit.SECONDS);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.TIMED_OUT);
    assertThat(outcome.reason()).startsWith("timed out after PT2S");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(ProcessHandle.of(pidOf(attempt))).isEmpty();
  }

  @Test
  void shouldRejectUnknownFieldBeforeStartingAnything() {
    assertThatThrownBy(() -> backend.launch(request("typo", Map.of("mainClas", "x.Y", "appResource", "a.jar"), null),
        new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("spark.mainClas is not a spark field");
    assertThat(backend.runningCount()).isZero();
  }

  @Test
  void shouldGiveSparkSubmitAndSoALocalDriverTheAttemptsIdentityWhichSparkEnvCannotOverride() throws Exception {
    // A stand-in spark-submit that prints what it was given: a local or client-mode driver inherits this environment.
    Path script = Files.createDirectories(dir.resolve("fake-spark/bin")).resolve("spark-submit");
    Files.writeString(script, "#!/bin/sh\necho \"$WEFT_RUN_ID|$WEFT_TASK_ID|$WEFT_ATTEMPT|$WEFT_ATTEMPT_ID|$GREETING\"\n");
    Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    SparkBackend fake = new SparkBackend(new SparkBackendConfig(
        new SparkBackendConfig.Launcher.SparkSubmitScript(script), "local[1]", Map.of(), Map.of(), null, dir));
    RecordingListener listener = new RecordingListener();

    fake.launch(request("who", Map.of("mainClass", "x.Y", "appResource", "a.jar",
        "env", Map.of("WEFT_ATTEMPT", "99", "GREETING", "hi")), null), listener);
    AttemptOutcome outcome = listener.outcome.get(60, TimeUnit.SECONDS);
    fake.close();

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.logTail()).contains("run-1|who|1|run-1/who#1|hi");
  }

  @Test
  void shouldReportLaunchErrorWhenSparkSubmitIsMissing() {
    Path missing = dir.resolve("no-spark/bin/spark-submit");
    SparkBackend noSpark = new SparkBackend(new SparkBackendConfig(
        new SparkBackendConfig.Launcher.SparkSubmitScript(missing), "local[1]", Map.of(), Map.of(), null, dir));

    assertThatThrownBy(() -> noSpark.launch(request("app", Map.of("mainClass", "x.Y", "appResource", "a.jar"), null),
        new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.LAUNCH_ERROR))
        .hasMessageContaining("cannot start spark-submit '" + missing + "'");
    assertThatThrownBy(() -> noSpark.launch(request("inline", Map.of("job", "x.Job"), null), new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.LAUNCH_ERROR))
        .hasMessageContaining("needs the weft-spark-jobs jar");
    noSpark.close();
  }

  private static AttemptRequest request(String taskId, Map<String, Object> block, Duration timeout) {
    JsonNode spark = SpecJson.MAPPER.valueToTree(block);
    TaskSpec task =
        new TaskSpec(taskId, "spark", List.of(), null, null, spark, null, null, null, null, null, null, null);
    return new AttemptRequest(new AttemptId("run-1", taskId, 1), "spark-test", task, timeout);
  }

  private static long pidOf(RunningAttempt attempt) {
    String handle = attempt.handle();
    assertThat(handle).startsWith("pid ");
    return Long.parseLong(handle.substring(4).split(" ")[0]);
  }

  /** The driver and its descendants, once the job's {@code sleep} child shows among them. */
  private static List<ProcessHandle> awaitTree(ProcessHandle driver, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(driver.isAlive()).as("driver alive while waiting for its child").isTrue();
      List<ProcessHandle> descendants = driver.descendants().toList();
      if (descendants.stream().anyMatch(h -> h.info().command().orElse("").endsWith("sleep"))) {
        return Stream.concat(Stream.of(driver), descendants.stream()).toList();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the job's 'sleep 600' child did not appear under pid " + driver.pid() + " in " + max);
  }

  private static Set<Path> paramsFiles() throws Exception {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("weft-spark-params-")).collect(Collectors.toSet());
    }
  }

  /** Records what the backend reports; checks the UI answers at the moment its URL is reported. */
  static final class RecordingListener implements AttemptListener {
    final List<String> urls = new CopyOnWriteArrayList<>();
    final CompletableFuture<AttemptOutcome> outcome = new CompletableFuture<>();
    volatile int uiStatusWhenReported = -1;

    @Override
    public void trackingUrl(String url) {
      urls.add(url);
      try {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<Void> response = client.send(HttpRequest.newBuilder(URI.create(url + "/jobs/"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
        uiStatusWhenReported = response.statusCode();
      } catch (Exception e) {
        uiStatusWhenReported = -2;
      }
    }

    @Override
    public void finished(AttemptOutcome o) {
      if (!outcome.complete(o)) throw new AssertionError("finished called twice: " + o);
    }
  }
}
