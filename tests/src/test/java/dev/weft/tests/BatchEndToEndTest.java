package dev.weft.tests;

import static dev.weft.tests.ContainerEngine.IMAGE;
import static dev.weft.tests.ContainerEngine.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.batch.BatchBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.JobSummary;
import software.amazon.awssdk.services.batch.model.KeyValuesPair;

/**
 * The batch executor through the whole product, against a real Batch endpoint: requests through the coordinator,
 * commands to a batch executor group, jobs submitted with the AWS SDK v2 to moto, which runs each one as a real
 * container of the local Docker engine, and events back. One moto server for the class; each test has its own
 * {@link IsolatedWeft} (topics, coordinator, executors) and its executors a scope of their own, so jobs of one test are
 * never adopted by another.
 *
 * <p>The test reads Batch itself with its own SDK client (what was submitted, how often, how it ended), so "submitted
 * once" and "terminated" are facts of the endpoint, not of the executor's counters alone.
 */
class BatchEndToEndTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  private static LocalBatchEndpoint endpoint;
  private static BatchClient aws;
  private static final List<BatchBackend> backends = new ArrayList<>();

  @BeforeAll
  static void startEndpoint() throws Exception {
    ContainerEngine.ensure();
    endpoint = LocalBatchEndpoint.start(Path.of("target", "batch-e2e").toAbsolutePath(), "weft-busybox=" + IMAGE);
    aws = BatchClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder())
        .endpointOverride(endpoint.uri()).region(Region.of(LocalBatchEndpoint.REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build();
  }

  @AfterAll
  static void stopEndpoint() {
    backends.forEach(BatchBackend::close);
    if (aws != null) aws.close();
    if (endpoint != null) endpoint.close();
  }

  @Test
  void shouldRunAPipelineMixingProcessAndBatchTasksAndRetryAFailedJob() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-mixed", 2)) {
      Path out = Files.createDirectories(w.dir.resolve("out"));
      w.startExecutor(new ProcessBackend(w.dir, null), b -> b.groupId(w.prefix + "process"));
      BatchBackend batch = backend(w, "batch-mixed-0");
      w.startExecutor(batch, b -> b.groupId(w.prefix + "batch"));
      String yaml = """
          pipeline: batch-mixed
          params: {out: "%2$s"}
          tasks:
            - id: extract
              executor: process
              process: {argv: ["sh", "-c", "echo extracted > ${out}/extract.txt"]}
            - id: load
              dependsOn: [extract]
              executor: batch
              resources: {cpu: 1, memory: 64Mi}
              batch:
                image: %1$s
                command: ["sh", "-c", "echo loading for $TEAM; echo attempt $WEFT_ATTEMPT_ID"]
                env: {TEAM: data}
                tags: {team: data}
            - id: flaky
              dependsOn: [extract]
              executor: batch
              retry: {maxAttempts: 2, backoff: 1s}
              batch:
                jobDefinition: weft-busybox
                command: ["sh", "-c", "if [ \\"$WEFT_ATTEMPT\\" -lt 2 ]; then echo 'first try fails' >&2; exit 3; fi; echo recovered"]
            - id: report
              dependsOn: [load, flaky]
              executor: process
              process: {argv: ["sh", "-c", "cat ${out}/extract.txt > ${out}/report.txt; echo reported >> ${out}/report.txt"]}
          """.formatted(IMAGE, out);

      RunResult result = w.run(yaml, Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(result.tasks()).extracting(TaskResult::id, TaskResult::status, TaskResult::attempts)
          .containsExactlyInAnyOrder(tuple("extract", "SUCCEEDED", 1), tuple("load", "SUCCEEDED", 1),
              tuple("flaky", "SUCCEEDED", 2), tuple("report", "SUCCEEDED", 1));
      TaskResult load = task(result, "load");
      // The job's own output, read back from CloudWatch Logs; the attempt's identity reached the container.
      assertThat(load.logTail()).contains("loading for data")
          .contains("attempt " + result.runId() + "/load#1");
      assertThat(load.trackingUrl()).startsWith("https://us-east-1.console.aws.amazon.com/batch/home?region=us-east-1#jobs/detail/");
      assertThat(task(result, "flaky").logTail()).contains("recovered");
      assertThat(Files.readString(out.resolve("report.txt"))).isEqualTo("extracted\nreported\n");

      List<JobDetail> jobs = jobsOfRun(result.runId());
      assertThat(jobs).extracting(j -> j.tags().get("weft:task") + "#" + j.tags().get("weft:attempt") + " "
          + j.statusAsString()).containsExactlyInAnyOrder("load#1 SUCCEEDED", "flaky#1 FAILED", "flaky#2 SUCCEEDED");
      JobDetail loadJob = jobs.stream().filter(j -> "load".equals(j.tags().get("weft:task"))).findFirst().orElseThrow();
      assertThat(loadJob.tags()).containsEntry("team", "data").containsEntry("weft:reported", "batch-mixed-0");
      // Registered by the executor for image + resources, once.
      assertThat(loadJob.jobDefinition()).contains(":job-definition/weft-busybox_1-");
      assertThat(batch.submitCalls()).isEqualTo(3);
    }
  }

  @Test
  void shouldReportANonZeroExitWithItsCodeAndLogTailAndReuseTheRegisteredDefinition() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-exit", 2)) {
      BatchBackend batch = backend(w, "batch-exit-0");
      w.startExecutor(batch, b -> b.groupId(w.prefix + "batch"));
      String yaml = """
          pipeline: batch-exit
          tasks:
            - id: fails
              executor: batch
              retry: {maxAttempts: 1}
              batch:
                image: %1$s
                # A second between the lines: CloudWatch orders a job's lines by time, and stdout and stderr reach
                # the log on their own streams.
                command: ["sh", "-c", "echo reading input; sleep 1; echo 'input.csv: no such file' >&2; exit 4"]
            - id: same-image
              executor: batch
              batch:
                image: %1$s
                command: ["true"]
            - id: after
              dependsOn: [fails]
              executor: batch
              batch: {image: %1$s}
          """.formatted(IMAGE);

      RunResult result = w.run(yaml, Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
      TaskResult fails = task(result, "fails");
      assertThat(fails.failureKind()).as("task %s", fails).isEqualTo("EXIT_CODE");
      assertThat(fails.exitCode()).isEqualTo(4);
      assertThat(fails.lastFailure()).isEqualTo("exited with code 4: input.csv: no such file");
      assertThat(fails.logTail()).contains("reading input").contains("input.csv: no such file");
      assertThat(task(result, "same-image").status()).isEqualTo("SUCCEEDED");
      assertThat(task(result, "after").status()).isEqualTo("UPSTREAM_FAILED");
      // Both tasks ran on the one definition registered for the image and the default resources.
      assertThat(jobsOfRun(result.runId())).extracting(JobDetail::jobDefinition).hasSize(2).containsOnly(
          jobsOfRun(result.runId()).get(0).jobDefinition());
    }
  }

  @Test
  void shouldNotRetryATaskWhoseJobDefinitionDoesNotExist() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-nodef", 1)) {
      w.startExecutor(backend(w, "batch-nodef-0"), b -> b.groupId(w.prefix + "batch"));
      String yaml = """
          pipeline: batch-nodef
          tasks:
            - id: missing
              executor: batch
              retry: {maxAttempts: 3, backoff: 1s}
              batch: {jobDefinition: "no-such-definition:7"}
          """;

      RunResult result = w.run(yaml, Map.of(), RUN_TIMEOUT);

      TaskResult missing = task(result, "missing");
      assertThat(missing.status()).as("task %s", missing).isEqualTo("FAILED");
      assertThat(missing.failureKind()).isEqualTo("INVALID_SPEC");
      assertThat(missing.attempts()).isEqualTo(1);
      assertThat(missing.lastFailure()).contains("no-such-definition:7");
    }
  }

  @Test
  void shouldTerminateTheRunningJobWhenTheRunIsCancelledAndWhenItTimesOut() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-stop", 2)) {
      w.startExecutor(backend(w, "batch-stop-0"), b -> b.groupId(w.prefix + "batch"));
      SubmittedRun cancelled = w.submit("""
          pipeline: batch-cancel
          tasks:
            - id: long
              executor: batch
              batch: {jobDefinition: weft-busybox, command: ["sleep", "300"]}
          """, Map.of());
      RunResult timedOut;
      String cancelledJob = awaitJobStatus(cancelled.runId(), "RUNNING");
      w.client().cancel(cancelled.runId(), null, "cancelled by the batch end-to-end test");
      timedOut = w.run("""
          pipeline: batch-timeout
          tasks:
            - id: sleepy
              executor: batch
              timeout: 3s
              retry: {maxAttempts: 1}
              batch: {jobDefinition: weft-busybox, command: ["sleep", "300"]}
          """, Map.of(), RUN_TIMEOUT);
      RunResult result = w.await(cancelled, RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("CANCELLED");
      assertThat(task(result, "long").status()).isEqualTo("CANCELLED");
      // The run is CANCELLED only once the executor saw the job end, which it waits for after TerminateJob.
      JobDetail job = describe(cancelledJob);
      assertThat(job.statusAsString()).isEqualTo("FAILED");
      assertThat(job.statusReason()).isEqualTo("cancelled by the batch end-to-end test");

      assertThat(timedOut.status()).as("run %s", timedOut).isEqualTo("FAILED");
      assertThat(task(timedOut, "sleepy").status()).isEqualTo("TIMED_OUT");
      // A timed-out attempt ends when its executor reports it stopped (since 2026-12-03), which the Batch executor
      // does once it saw the job end: the job has ended when the run has.
      assertThat(jobsOfRun(timedOut.runId())).singleElement().satisfies(j -> {
        assertThat(j.statusAsString()).isEqualTo("FAILED");
        assertThat(j.statusReason()).as("the reason given to TerminateJob").isNotBlank();
      });
    }
  }

  @Test
  void shouldAdoptARunningJobAfterItsExecutorWasKilledAndReportItOnce() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-adopt", 1)) {
      String group = w.prefix + "batch";
      BatchBackend first = backend(w, "batch-exec-0");
      ExecutorRuntime killed = w.startExecutor(first, b -> b.groupId(group).instanceId("batch-exec-0"));
      // Another instance's unreported job on the same endpoint and scope: not this executor's to adopt.
      String foreign = aws.submitJob(b -> b.jobName("weft-foreign-x-1-0000000000").jobQueue(LocalBatchEndpoint.QUEUE)
          .jobDefinition("weft-busybox").containerOverrides(o -> o.command("sleep", "60"))
          .tags(Map.of("weft:run", "foreign", "weft:task", "x", "weft:attempt", "1", "weft:executor", "batch",
              "weft:scope", w.prefix, "weft:instance", "batch-exec-9"))).jobId();
      SubmittedRun run = w.submit("""
          pipeline: batch-adopt
          tasks:
            - id: slow
              executor: batch
              batch: {jobDefinition: weft-busybox, command: ["sh", "-c", "sleep 8; echo done"]}
          """, Map.of());
      String jobId = awaitJobStatus(run.runId(), "RUNNING");

      // As if the executor's JVM were killed: no more events, no cleanup; the job runs on in Batch.
      killed.halt();
      first.close();

      BatchBackend second = backend(w, "batch-exec-0");
      ExecutorRuntime restarted = w.startExecutor(second, b -> b.groupId(group).instanceId("batch-exec-0"));
      RunResult result = w.await(run, RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(task(result, "slow").attempts()).isEqualTo(1);
      assertThat(task(result, "slow").logTail()).contains("done");
      assertThat(restarted.counters().adopted()).as("counters %s", restarted.counters()).isEqualTo(1);
      assertThat(restarted.counters().launched()).as("counters %s", restarted.counters()).isZero();
      assertThat(first.submitCalls() + second.submitCalls()).isEqualTo(1);
      assertThat(jobsOfRun(run.runId())).extracting(JobDetail::jobId).containsExactly(jobId);
      assertThat(taskEvents(w, run.runId())).filteredOn(e -> e.getKind() == TaskEventKind.SUCCEEDED)
          .as("SUCCEEDED events of the run").hasSize(1)
          .allSatisfy(e -> assertThat(e.getSource().toString()).isEqualTo("batch-exec-0"));
      assertThat(describe(foreign).tags()).as("the other instance's job").doesNotContainKey("weft:reported");
      aws.terminateJob(b -> b.jobId(foreign).reason("end of the adoption test"));
    }
  }

  @Test
  void shouldSubmitEveryJobExactlyOnceAcrossTwoExecutorInstances() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-group", 4)) {
      String group = w.prefix + "batch";
      BatchBackend b1 = backend(w, "batch-exec-1");
      BatchBackend b2 = backend(w, "batch-exec-2");
      ExecutorRuntime one = w.startExecutor(b1, b -> b.groupId(group).instanceId("batch-exec-1"));
      ExecutorRuntime two = w.startExecutor(b2, b -> b.groupId(group).instanceId("batch-exec-2"));
      waitUntil("both executors hold command partitions (" + one.assignment() + " / " + two.assignment() + ")",
          Duration.ofMinutes(2), () -> !one.assignment().isEmpty() && !two.assignment().isEmpty()
              && one.assignment().size() + two.assignment().size() == w.partitions());

      // Each command's partition is a hash of its run and task: with 8 tasks, all of them landed on one instance's
      // two partitions in about one run in 128 (a full suite run on 2026-12-03); with 16, one in 32,768.
      List<String> ids = IntStream.rangeClosed(1, 16).mapToObj(i -> "t" + i).toList();
      StringBuilder yaml = new StringBuilder("pipeline: batch-fanout\ntasks:\n");
      for (String id : ids) {
        yaml.append("  - {id: %s, executor: batch, batch: {jobDefinition: weft-busybox, command: [\"echo\", \"%s\"]}}\n"
            .formatted(id, id));
      }

      RunResult result = w.run(yaml.toString(), Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(result.tasks()).allSatisfy(t -> assertThat(t.attempts()).as("attempts of %s", t.id()).isEqualTo(1));
      Map<String, Long> jobsPerTask = jobsOfRun(result.runId()).stream()
          .collect(Collectors.groupingBy(j -> j.tags().get("weft:task"), Collectors.counting()));
      assertThat(jobsPerTask).as("Batch jobs per task")
          .isEqualTo(ids.stream().collect(Collectors.toMap(Function.identity(), id -> 1L)));
      assertThat(b1.submitCalls()).as("instance 1").isPositive();
      assertThat(b2.submitCalls()).as("instance 2").isPositive();
      assertThat(b1.submitCalls() + b2.submitCalls()).isEqualTo(ids.size());
      // Status by batched DescribeJobs: far fewer calls than one per job per poll would take.
      assertThat(b1.describeCalls() + b2.describeCalls()).isPositive();
    }
  }

  @Test
  void shouldRunTheBatchExamplePipeline() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("batch-example", 1)) {
      Path root = ContainerEngine.repositoryRoot();
      w.startExecutor(new ProcessBackend(root, null), b -> b.groupId(w.prefix + "process"));
      w.startExecutor(backend(w, "batch-example-0"), b -> b.groupId(w.prefix + "batch"));
      Path work = w.dir.resolve("example");
      String yaml = Files.readString(root.resolve("examples/batch/pipeline.yaml"));

      RunResult result = w.run(yaml, Map.of("work", work.toString()), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(task(result, "count-words").logTail()).contains("words on 2026-12-01:").contains("9");
      assertThat(task(result, "checksum").logTail()).contains(result.runId() + "/checksum#1 on 2026-12-01")
          .contains("b1946ac92492d2347c6235b4d2611184");
      assertThat(Files.readString(work.resolve("report.txt"))).isEqualTo("batch jobs done for 2026-12-01\n");
    }
  }

  @Test
  void shouldSubmitOnceAndSucceedThroughThrottlingAndServerErrors() throws Exception {
    try (FaultInjectingProxy proxy = new FaultInjectingProxy(endpoint.uri())) {
      BatchBackend batch = new BatchBackend(endpoint.settings("faults-0", "faults.").withEndpoint(proxy.uri(),
          LocalBatchEndpoint.REGION));
      backends.add(batch);
      // SubmitJob: throttled, then a 500 after the job was created. DescribeJobs: more failures in a row than the
      // SDK's own retries absorb, so whole poll rounds fail.
      proxy.plan("/v1/submitjob", FaultInjectingProxy.Fault.THROTTLE,
          FaultInjectingProxy.Fault.SERVER_ERROR_AFTER_FORWARDING);
      proxy.plan("/v1/describejobs", FaultInjectingProxy.Fault.THROTTLE, FaultInjectingProxy.Fault.SERVER_ERROR,
          FaultInjectingProxy.Fault.THROTTLE, FaultInjectingProxy.Fault.THROTTLE, FaultInjectingProxy.Fault.THROTTLE,
          FaultInjectingProxy.Fault.SERVER_ERROR, FaultInjectingProxy.Fault.THROTTLE);
      OutcomeListener listener = new OutcomeListener();

      batch.launch(request("faults-run", "through", "{jobDefinition: weft-busybox, command: [echo, got through]}"),
          listener);
      AttemptOutcome outcome = listener.await(RUN_TIMEOUT);

      assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
      assertThat(outcome.logTail()).contains("got through");
      assertThat(listener.finishedCalls.get()).isEqualTo(1);
      // The second try found the job the failed call had created, by name, and did not submit again.
      assertThat(proxy.calls("/v1/submitjob")).isEqualTo(2);
      assertThat(jobsOfRun("faults-run")).hasSize(1);
      assertThat(proxy.calls("/v1/describejobs")).isGreaterThan(7);
    }
  }

  @Test
  void shouldSendTerminateJobAgainUntilItIsTakenAndReportTheCancelWhenTheJobEnded() throws Exception {
    try (FaultInjectingProxy proxy = new FaultInjectingProxy(endpoint.uri())) {
      BatchBackend batch = new BatchBackend(endpoint.settings("faults-1", "faults.").withEndpoint(proxy.uri(),
          LocalBatchEndpoint.REGION));
      backends.add(batch);
      OutcomeListener listener = new OutcomeListener();
      RunningAttempt attempt = batch.launch(request("terminate-run", "long",
          "{jobDefinition: weft-busybox, command: [sleep, '300']}"), listener);
      String jobId = awaitJobStatus("terminate-run", "RUNNING");
      // More 500s in a row than the SDK retries: the first TerminateJob fails for the backend too.
      proxy.plan("/v1/terminatejob", FaultInjectingProxy.Fault.SERVER_ERROR, FaultInjectingProxy.Fault.SERVER_ERROR,
          FaultInjectingProxy.Fault.SERVER_ERROR, FaultInjectingProxy.Fault.SERVER_ERROR);

      attempt.cancel(Duration.ofSeconds(1), "stopped by the fault test");
      AttemptOutcome outcome = listener.await(RUN_TIMEOUT);

      assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.CANCELLED);
      assertThat(proxy.calls("/v1/terminatejob")).isGreaterThan(4);
      JobDetail job = describe(jobId);
      assertThat(job.statusAsString()).isEqualTo("FAILED");
      assertThat(job.statusReason()).isEqualTo("stopped by the fault test");
    }
  }

  // ---- helpers ----

  private static AttemptRequest request(String runId, String taskId, String batchBlockYaml) throws Exception {
    TaskSpec task = SpecJson.YAML.readValue("{id: " + taskId + ", executor: batch, batch: " + batchBlockYaml + "}",
        TaskSpec.class);
    return new AttemptRequest(new AttemptId(runId, taskId, 1), "faults", task, null);
  }

  /** Records the one outcome a backend reports, and how often it reported one. */
  private static final class OutcomeListener implements AttemptListener {
    final AtomicInteger finishedCalls = new AtomicInteger();
    private final CompletableFuture<AttemptOutcome> outcome = new CompletableFuture<>();

    @Override
    public void trackingUrl(String url) {}

    @Override
    public void finished(AttemptOutcome o) {
      finishedCalls.incrementAndGet();
      outcome.complete(o);
    }

    AttemptOutcome await(Duration timeout) throws Exception {
      return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static BatchBackend backend(IsolatedWeft w, String instanceId) {
    BatchBackend b = new BatchBackend(endpoint.settings(instanceId, w.prefix));
    backends.add(b);
    return b;
  }

  /** Every Batch job of the run, described, read from the endpoint by the run's tag. */
  private static List<JobDetail> jobsOfRun(String runId) {
    List<String> ids = aws.listJobsPaginator(b -> b.jobQueue(LocalBatchEndpoint.QUEUE).filters(KeyValuesPair.builder()
        .name("JOB_NAME").values("weft-*").build())).jobSummaryList().stream().map(JobSummary::jobId).toList();
    List<JobDetail> jobs = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += 100) {
      List<String> chunk = ids.subList(i, Math.min(ids.size(), i + 100));
      aws.describeJobs(b -> b.jobs(chunk)).jobs().stream().filter(j -> runId.equals(j.tags().get("weft:run")))
          .forEach(jobs::add);
    }
    return jobs;
  }

  private static JobDetail describe(String jobId) {
    return aws.describeJobs(b -> b.jobs(jobId)).jobs().get(0);
  }

  /** Waits until the run's one job has the Batch status, and returns its id. */
  private static String awaitJobStatus(String runId, String status) throws InterruptedException {
    String[] id = new String[1];
    waitUntil("the Batch job of " + runId + " is " + status, RUN_TIMEOUT, () -> {
      List<JobDetail> jobs = jobsOfRun(runId);
      if (jobs.size() == 1 && status.equals(jobs.get(0).statusAsString())) id[0] = jobs.get(0).jobId();
      return id[0] != null;
    });
    return id[0];
  }

  /** Every task event of the run on the Weft's task-events topic, committed ones only. */
  private static List<TaskEvent> taskEvents(IsolatedWeft w, String runId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, w.shared.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<TaskEvent> events = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      String topic = w.topics.taskEvents();
      List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          TaskEvent e = w.serdes.taskEvent().deserializer().deserialize(topic, r.value());
          if (runId.equals(e.getRunId().toString())) events.add(e);
        }
      }
    }
    return events;
  }

  private static TaskResult task(RunResult result, String id) {
    return result.tasks().stream().filter(t -> t.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no task " + id + " in " + result));
  }
}
