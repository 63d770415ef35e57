package dev.weft.tests;

import static dev.weft.tests.ContainerEngine.IMAGE;
import static dev.weft.tests.ContainerEngine.containersLabelled;
import static dev.weft.tests.ContainerEngine.sharedDir;
import static dev.weft.tests.ContainerEngine.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cli.Weft;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.container.ContainerBackend;
import dev.weft.executor.container.ContainerPolicy;
import dev.weft.executor.process.ProcessBackend;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container executor through the whole product: requests through the coordinator, commands to a container
 * executor group, real containers on the real Docker engine, events back, the run's result and its query-API view.
 *
 * <p>Every test uses an {@link IsolatedWeft} with container executors it starts itself, so the tests do not depend on
 * whether the shared stack found a Docker engine when it started, and can kill and count executors. Each backend is
 * scoped to its Weft's topic prefix, so a restarting executor adopts only this Weft's containers, never those of
 * another test or developer on the same engine.
 */
class ContainerEndToEndTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static IsolatedWeft weft;
  private static final List<ContainerBackend> backends = new ArrayList<>();

  @BeforeAll
  static void startWeft() {
    ContainerEngine.ensure();
    weft = new IsolatedWeft("container-e2e", 2);
    weft.startExecutor(backend(weft), b -> b.groupId(weft.prefix + "container")
        // PID 1 of a container ignores SIGTERM unless it handles it, so every stop here ends with the SIGKILL;
        // a short grace keeps cancel and timeout tests quick without changing what they prove.
        .cancelGrace(Duration.ofSeconds(1)));
  }

  @AfterAll
  static void stopWeft() {
    if (weft != null) weft.close();
    backends.forEach(ContainerBackend::close);
  }

  /**
   * The local default policy, with mounts from the whole repository too: the surefire JVM's working directory is
   * {@code tests/}, and the example pipeline mounts {@code examples/containers/data}, as it does from the repository
   * root under {@code weft dev}, where the default allows it.
   */
  private static final ContainerPolicy REPOSITORY_MOUNTS = repositoryMounts();

  private static ContainerPolicy repositoryMounts() {
    ContainerPolicy d = ContainerPolicy.localDefault();
    List<String> sources = new ArrayList<>(d.mountSources());
    sources.add(Path.of("..").toAbsolutePath().normalize().toString());
    return new ContainerPolicy(d.images(), sources, d.allowRoot(), d.allowNetwork(), d.allowHostNetwork(),
        d.allowWritableRootFilesystem());
  }

  /** A container backend for {@code w}, scoped to its topic prefix, closed after the class. */
  private static ContainerBackend backend(IsolatedWeft w) {
    ContainerBackend b = new ContainerBackend(ContainerBackend.Settings.defaults().withPolicy(REPOSITORY_MOUNTS)
        .withScope(w.prefix).withTimeoutGrace(Duration.ofSeconds(1)));
    backends.add(b);
    return b;
  }

  @Test
  void shouldHandAFileFromOneContainerTaskToTheNextThroughMounts() throws Exception {
    Path work = Files.createDirectories(weft.dir.resolve("handoff"));
    Path shared = sharedDir(work, "shared");
    Path results = sharedDir(work, "results");
    String yaml = """
        pipeline: container-handoff
        params: {work: "%2$s", results: "%3$s"}
        tasks:
          - id: write
            executor: container
            container:
              image: %1$s
              command: ["sh", "-c", "echo hello from uid $(id -u) > /out/greeting.txt"]
              volumes: [{source: "${work}/shared", target: /out}]
          - id: read
            dependsOn: [write]
            executor: container
            container:
              image: %1$s
              # The read-only mount must refuse writes, or the isolation the spec asked for is not there.
              command: ["sh", "-c", "if touch /in/probe 2>/dev/null; then echo '/in is writable' >&2; exit 9; fi; tr a-z A-Z < /in/greeting.txt > /out/result.txt"]
              volumes:
                - {source: "${work}/shared", target: /in, readOnly: true}
                # Relative: resolved against the executor's working directory.
                - {source: "${results}", target: /out}
        """.formatted(IMAGE, work, relativeToWorkingDirectory(results));

    RunResult result = weft.run(yaml, Map.of(), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
    assertThat(result.tasks()).extracting(TaskResult::id, TaskResult::status, TaskResult::attempts)
        .containsExactly(tuple("write", "SUCCEEDED", 1),
            tuple("read", "SUCCEEDED", 1));
    // Written as nobody (the isolation default), handed over through the host directory, transformed by task 2.
    assertThat(Files.readString(shared.resolve("greeting.txt"))).isEqualTo("hello from uid 65534\n");
    assertThat(Files.readString(results.resolve("result.txt"))).isEqualTo("HELLO FROM UID 65534\n");
    assertThat(shared.resolve("probe")).doesNotExist();
    assertThat(containersLabelled(ContainerBackend.LABEL_RUN, result.runId())).as("containers left behind").isEmpty();
  }

  @Test
  void shouldFailAnOutOfMemoryTaskAsOomKilledWithoutRetrying() throws Exception {
    String yaml = """
        pipeline: container-oom
        tasks:
          - id: hog
            executor: container
            retry: {maxAttempts: 3, backoff: 1s}
            resources: {memory: 16Mi}
            container:
              image: %s
              command: ["sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\\\0' a); echo survived"]
        """.formatted(IMAGE);

    RunResult result = weft.run(yaml, Map.of(), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
    TaskResult hog = task(result, "hog");
    assertThat(hog.status()).isEqualTo("FAILED");
    assertThat(hog.failureKind()).as("task %s", hog).isEqualTo("OOM_KILLED");
    // More memory is needed, not another try: OOM is never retried, whatever retry.maxAttempts says.
    assertThat(hog.attempts()).isEqualTo(1);
    assertThat(hog.lastFailure()).contains("out of memory").contains("16Mi");
    assertThat(containersLabelled(ContainerBackend.LABEL_RUN, result.runId())).as("containers left behind").isEmpty();
  }

  @Test
  void shouldRefuseRootTheHostRootAndTheEngineSocketUnderTheDefaultPolicyAtOnceWithoutRetrying() throws Exception {
    // Each of these hands the requester the host; the default policy refuses them before the engine sees them.
    String yaml = """
        pipeline: container-policy
        defaults: {retry: {maxAttempts: 3, backoff: 1s}}
        tasks:
          - id: as-root
            executor: container
            container: {image: %1$s, user: "0", command: ["id"]}
          - id: host-root
            executor: container
            container: {image: %1$s, command: ["ls", "/host"], mounts: [{source: /, target: /host, readOnly: true}]}
          - id: engine-socket
            executor: container
            container:
              image: %1$s
              command: ["ls", "/run"]
              mounts: [{source: /var/run, target: /var/run}]
          - id: allowed
            executor: container
            container: {image: %1$s, command: ["true"]}
        """.formatted(IMAGE);

    RunResult result = weft.run(yaml, Map.of(), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
    assertThat(result.tasks()).extracting(TaskResult::id, TaskResult::status, TaskResult::failureKind, TaskResult::attempts)
        .containsExactlyInAnyOrder(
            tuple("as-root", "FAILED", "INVALID_SPEC", 1),
            tuple("host-root", "FAILED", "INVALID_SPEC", 1),
            tuple("engine-socket", "FAILED", "INVALID_SPEC", 1),
            tuple("allowed", "SUCCEEDED", null, 1));
    assertThat(task(result, "as-root").lastFailure()).contains("rule container.allowRoot");
    assertThat(task(result, "host-root").lastFailure()).contains("rule container.mountSources").contains("root directory");
    assertThat(task(result, "engine-socket").lastFailure()).contains("rule container.mountSources").contains("socket");
    assertThat(containersLabelled(ContainerBackend.LABEL_RUN, result.runId())).as("containers left behind").isEmpty();
  }

  @Test
  void shouldShowTheExitCodeAndLogTailOfAFailedContainerInTheResultAndInStatus() throws Exception {
    String yaml = """
        pipeline: container-exit
        tasks:
          - id: fails
            executor: container
            retry: {maxAttempts: 1}
            container:
              image: %s
              command: ["sh", "-c", "echo reading input; echo 'input.csv: no such file' >&2; exit 3"]
        """.formatted(IMAGE);

    RunResult result = weft.run(yaml, Map.of(), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
    TaskResult fails = task(result, "fails");
    assertThat(fails.failureKind()).as("task %s", fails).isEqualTo("EXIT_CODE");
    assertThat(fails.exitCode()).isEqualTo(3);
    assertThat(fails.lastFailure()).isEqualTo("exited with code 3: input.csv: no such file");
    assertThat(fails.logTail()).contains("reading input").contains("input.csv: no such file");

    // The same, as `weft status RUN --json` shows it from the coordinator's query API.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Weft.run(List.of("status", result.runId(), "--json", "--api",
            "http://localhost:" + weft.coordinator().apiPort()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(exit).as("weft status exit; stderr: %s", err.toString(StandardCharsets.UTF_8)).isZero();
    JsonNode status = JSON.readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(status.path("status").asText()).isEqualTo("FAILED");
    JsonNode task = status.path("tasks").get(0);
    assertThat(task.path("id").asText()).isEqualTo("fails");
    assertThat(task.path("failureKind").asText()).isEqualTo("EXIT_CODE");
    assertThat(task.path("exitCode").asInt()).isEqualTo(3);
    assertThat(task.path("lastFailure").asText()).isEqualTo("exited with code 3: input.csv: no such file");
    assertThat(task.path("logTail").asText()).contains("reading input").contains("input.csv: no such file");
  }

  @Test
  void shouldStopAndRemoveTheContainerWhenTheRunIsCancelled() throws Exception {
    String yaml = """
        pipeline: container-cancel
        tasks:
          - id: long
            executor: container
            container:
              image: %s
              command: ["sleep", "300"]
        """.formatted(IMAGE);
    SubmittedRun run = weft.submit(yaml, Map.of());
    awaitTaskStatus(weft, run.runId(), "long", "RUNNING");
    // RUNNING comes from the STARTED event, which the executor commits before it creates the container.
    waitUntil("the container of " + run.runId() + " exists", RUN_TIMEOUT,
        () -> containersLabelled(ContainerBackend.LABEL_RUN, run.runId()).size() == 1);

    weft.client().cancel(run.runId(), null, "cancelled by the container end-to-end test");
    RunResult result = weft.await(run, RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("CANCELLED");
    assertThat(task(result, "long").status()).isEqualTo("CANCELLED");
    // The run is CANCELLED only once the executor reported the container stopped, and it removes it before that.
    assertThat(containersLabelled(ContainerBackend.LABEL_RUN, run.runId())).as("containers left behind").isEmpty();
  }

  @Test
  void shouldTimeOutASleepingContainerAndRemoveIt() throws Exception {
    String yaml = """
        pipeline: container-timeout
        tasks:
          - id: sleepy
            executor: container
            timeout: 3s
            retry: {maxAttempts: 1}
            container:
              image: %s
              command: ["sleep", "300"]
        """.formatted(IMAGE);

    RunResult result = weft.run(yaml, Map.of(), RUN_TIMEOUT);

    assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
    TaskResult sleepy = task(result, "sleepy");
    assertThat(sleepy.status()).as("task %s", sleepy).isEqualTo("TIMED_OUT");
    assertThat(sleepy.attempts()).isEqualTo(1);
    // A timed-out attempt ends when its executor reports it stopped (since 2026-12-03), and the executor removes the
    // container before it reports: none is left when the run ends.
    assertThat(containersLabelled(ContainerBackend.LABEL_RUN, result.runId())).as("containers of the ended run")
        .isEmpty();
  }

  /**
   * {@code weft run} stopped by a signal (Ctrl-C, or here SIGTERM, which runs the same shutdown hook) while a container
   * task runs: the command stops its stack as it does at the end, so the container executor stops the container. A
   * container is not a child of the JVM: without that, it ran on after the command had gone.
   */
  @Test
  void shouldStopTheContainerOfAWeftRunThatIsInterrupted(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String pipeline = "interrupted-" + System.nanoTime();
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, """
        pipeline: %s
        tasks:
          - id: sleepy
            executor: container
            container: {image: %s, command: ["sleep", "300"]}
        """.formatted(pipeline, IMAGE));
    Process weftRun = WeftCli.start(dir, List.of("run", file.toString(), "--lineage", "off"));
    try {
      waitUntil("the container of " + pipeline + " runs", RUN_TIMEOUT,
          () -> containersLabelled(ContainerBackend.LABEL_PIPELINE, pipeline).stream()
              .anyMatch(ContainerEngine::isRunning));
      weftRun.destroy();
      assertThat(weftRun.waitFor(1, java.util.concurrent.TimeUnit.MINUTES)).as("weft run ended").isTrue();
      String err = Files.readString(WeftCli.stderrOf(dir, weftRun));
      assertThat(err).contains("weft: interrupted; stopping the run's tasks and the stack").contains("weft: stopped in");
      assertThat(containersLabelled(ContainerBackend.LABEL_PIPELINE, pipeline)).as("containers left behind").isEmpty();
    } finally {
      weftRun.destroyForcibly();
      containersLabelled(ContainerBackend.LABEL_PIPELINE, pipeline).forEach(ContainerEngine::removeContainer);
    }
  }

  @Test
  void shouldAdoptARunningContainerAfterItsExecutorWasKilled() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("container-adopt", 1)) {
      Path out = sharedDir(w.dir, "out");
      String group = w.prefix + "container";
      ContainerBackend first = backend(w);
      ExecutorRuntime killed = w.startExecutor(first, b -> b.groupId(group).instanceId("container-exec-0"));
      String yaml = """
          pipeline: container-adopt
          params: {out: "%2$s"}
          tasks:
            - id: slow
              executor: container
              container:
                image: %1$s
                # One line per start of the container: the proof that it ran exactly once.
                command: ["sh", "-c", "echo started >> /out/starts.log; sleep 8; echo done > /out/x"]
                volumes: [{source: "${out}", target: /out}]
          """.formatted(IMAGE, out);
      SubmittedRun run = w.submit(yaml, Map.of());
      // Launched: the container exists, and its id reached the coordinator (launches run off the executor's loop, so
      // RUNNING alone, from STARTED, may come before the container is created).
      waitUntil("task slow of " + run.runId() + " has its container", RUN_TIMEOUT, () -> {
        Optional<RunView> view = w.coordinator().run(run.runId());
        return view.isPresent() && view.get().tasks() != null && view.get().tasks().stream()
            .anyMatch((TaskView t) -> t.id().equals("slow") && t.status().equals("RUNNING") && t.handle() != null);
      });

      // As if the executor's JVM were killed: no more events, the consumer never leaves, the container runs on.
      // Closing the backend stops its watcher (a dead JVM watches nothing) and leaves the container running.
      killed.halt();
      first.close();
      assertThat(containersLabelled(ContainerBackend.LABEL_RUN, run.runId())).as("the orphaned container").hasSize(1);

      // Another installation's running attempt on the same engine: not this executor's to adopt.
      String foreign = ContainerEngine.startForeignAttempt("foreign-" + w.prefix);
      RunResult result;
      ExecutorRuntime restarted;
      try {
        // The restarted executor: same group, same instance id (which fences the dead one's open transaction).
        restarted = w.startExecutor(backend(w), b -> b.groupId(group).instanceId("container-exec-0"));
        result = w.await(run, RUN_TIMEOUT);
        assertThat(ContainerEngine.isRunning(foreign)).as("the other installation's container still runs").isTrue();
      } finally {
        ContainerEngine.removeContainer(foreign);
      }

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(task(result, "slow").attempts()).isEqualTo(1);
      // Exactly one: its own orphan, not the other installation's container.
      assertThat(restarted.counters().adopted()).as("counters %s", restarted.counters()).isEqualTo(1);
      assertThat(restarted.counters().launched()).as("counters %s", restarted.counters()).isZero();
      assertThat(Files.readAllLines(out.resolve("starts.log"))).containsExactly("started");
      assertThat(Files.readString(out.resolve("x"))).isEqualTo("done\n");
      assertThat(containersLabelled(ContainerBackend.LABEL_RUN, run.runId())).as("containers left behind").isEmpty();
    }
  }

  @Test
  void shouldRunEveryTaskExactlyOnceAcrossTwoExecutorInstances() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("container-group", 4)) {
      Path out = sharedDir(w.dir, "out");
      String group = w.prefix + "container";
      ExecutorRuntime one = w.startExecutor(backend(w), b -> b.groupId(group).instanceId("container-exec-1"));
      ExecutorRuntime two = w.startExecutor(backend(w), b -> b.groupId(group).instanceId("container-exec-2"));
      // Submit only once the group has settled, or the first member could take every command before the second joins.
      waitUntil("both executors hold command partitions (" + one.assignment() + " / " + two.assignment() + ")",
          Duration.ofMinutes(2), () -> !one.assignment().isEmpty() && !two.assignment().isEmpty()
              && one.assignment().size() + two.assignment().size() == w.partitions());

      List<String> ids = IntStream.rangeClosed(1, 12).mapToObj(i -> "t" + i).toList();
      StringBuilder yaml = new StringBuilder("""
          pipeline: container-fanout
          params: {out: "%s"}
          tasks:
          """.formatted(out));
      for (String id : ids) {
        yaml.append("""
              - id: %1$s
                executor: container
                container:
                  image: %2$s
                  command: ["sh", "-c", "echo %1$s >> /out/ids.log; sleep 1"]
                  volumes: [{source: "${out}", target: /out}]
            """.formatted(id, IMAGE));
      }

      RunResult result = w.run(yaml.toString(), Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(result.tasks()).allSatisfy(t -> assertThat(t.attempts()).as("attempts of %s", t.id()).isEqualTo(1));
      Map<String, Long> times = Files.readAllLines(out.resolve("ids.log")).stream()
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(times).as("how often each task's container ran")
          .isEqualTo(ids.stream().collect(Collectors.toMap(Function.identity(), id -> 1L)));
      assertThat(one.counters().launched()).as("instance 1 %s", one.counters()).isPositive();
      assertThat(two.counters().launched()).as("instance 2 %s", two.counters()).isPositive();
      assertThat(one.counters().launched() + two.counters().launched()).isEqualTo(ids.size());
    }
  }

  @Test
  void shouldRunTheContainersExamplePipeline() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("container-example", 1)) {
      Path root = ContainerEngine.repositoryRoot();
      // The example mixes process and container tasks, as `weft run` would run it with the dev stack's executors.
      // Its default paths are relative to the repository root, where `./weft run` is started; this JVM runs in tests/,
      // so the test passes absolute ones.
      w.startExecutor(new ProcessBackend(root, null), b -> b.groupId(w.prefix + "process"));
      w.startExecutor(backend(w), b -> b.groupId(w.prefix + "container"));
      Path work = w.dir.resolve("example");
      String yaml = Files.readString(root.resolve("examples/containers/pipeline.yaml"));

      RunResult result = w.run(yaml, Map.of("work", work.toString(),
          "data", root.resolve("examples/containers/data").toString()), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(Files.readString(work.resolve("report.txt"))).isEqualTo(Files.readString(
          root.resolve("examples/containers/expected-report.txt")));
    }
  }

  /**
   * A relative mount source resolves against the executor's working directory (this JVM's), like a process task's
   * relative paths.
   */
  private static String relativeToWorkingDirectory(Path p) {
    String relative = Path.of("").toAbsolutePath().relativize(p.toAbsolutePath()).toString();
    assertThat(relative).doesNotStartWith("/");
    return relative;
  }

  private static TaskResult task(RunResult result, String id) {
    return result.tasks().stream().filter(t -> t.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no task " + id + " in " + result));
  }

  /** Waits until the coordinator's view of the task shows {@code status}. */
  private static void awaitTaskStatus(IsolatedWeft w, String runId, String taskId, String status)
      throws InterruptedException {
    waitUntil("task " + taskId + " of " + runId + " is " + status, RUN_TIMEOUT, () -> {
      Optional<RunView> view = w.coordinator().run(runId);
      return view.isPresent() && view.get().tasks() != null && view.get().tasks().stream()
          .anyMatch((TaskView t) -> t.id().equals(taskId) && t.status().equals(status));
    });
  }
}
