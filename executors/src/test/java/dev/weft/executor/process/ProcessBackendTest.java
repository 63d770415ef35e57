package dev.weft.executor.process;

import static dev.weft.executor.Specs.process;
import static dev.weft.executor.Specs.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.Conditions;
import dev.weft.executor.RecordingListener;
import dev.weft.executor.Texts;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.spec.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The process backend on its fork server; {@link GuardedLauncherProcessBackendTest} runs every case on the guard. */
class ProcessBackendTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path base;
  private ProcessBackend backend;
  private final List<Long> toReap = new java.util.ArrayList<>();

  /** The launcher under test. No silent fallback: without python3 or perl this fails. */
  TaskLauncher launcher() {
    return ForkServer.onThisHost().orElseThrow(() -> new AssertionError("neither python3 nor perl is on the PATH"));
  }

  private ProcessBackend backend(Path state) {
    return new ProcessBackend(base, state, ProcessPolicy.localDefault(), launcher());
  }

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
    // Whatever a failed assertion left running must not outlive the test.
    toReap.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void shouldSucceedWithTheTailOfBothStreams() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();

    RunningAttempt attempt = backend.launch(request(process("hello", List.of("sh", "-c", "echo hello; echo warning >&2"), Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(Long.parseLong(attempt.handle())).isPositive();
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.exitCode()).isZero();
    assertThat(outcome.failureKind()).isNull();
    assertThat(outcome.logTail()).contains("hello\n").contains("warning\n");
    listener.assertFinishedOnce();
    assertThat(backend.runningCount()).isZero();
  }

  @Test
  void shouldReportExitCodeLastStderrLineAndTail() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("fails", List.of("sh", "-c", "echo working; echo 'disk full' >&2; exit 3"), Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.exitCode()).isEqualTo(3);
    assertThat(outcome.failureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(outcome.reason()).isEqualTo("exit code 3; last line: disk full");
    assertThat(outcome.logTail()).contains("working").contains("disk full");
  }

  @Test
  void shouldAddEnvToTheExecutorsEnvironmentAndRunInTheWorkdir() throws Exception {
    Files.createDirectories(base.resolve("sub"));
    backend = backend(null);
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("env", List.of("sh", "-c", "echo \"$GREETING from $(pwd), path set: ${PATH:+yes}\""),
        Map.of("GREETING", "hi"), "sub")), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.logTail().trim()).isEqualTo("hi from " + base.toRealPath().resolve("sub") + ", path set: yes");
  }

  @Test
  void shouldGiveTheTaskItsRunTaskAndAttemptWhichItsOwnEnvCannotOverride() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();
    TaskSpec spec = process("who", List.of("sh", "-c", "echo \"$WEFT_RUN_ID|$WEFT_TASK_ID|$WEFT_ATTEMPT|$WEFT_ATTEMPT_ID\""),
        Map.of("WEFT_ATTEMPT", "99", "WEFT_RUN_ID", "not-mine"), null);

    backend.launch(new AttemptRequest(new AttemptId("run-7", "who", 3), "p", spec, (Duration) null), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.logTail().trim()).isEqualTo("run-7|who|3|run-7/who#3");
  }

  @Test
  void shouldRejectAMissingWorkdirAsInvalidSpec() {
    backend = backend(null);

    assertThatThrownBy(() -> backend.launch(request(process("nowhere", List.of("true"), Map.of(), "no/such/dir")), new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining(base.resolve("no/such/dir").toString())
        .hasMessageContaining("not an existing directory");
  }

  @Test
  void shouldRejectAMissingArgvAsInvalidSpec() {
    backend = backend(null);

    assertThatThrownBy(() -> backend.launch(request(process("empty", List.of(), Map.of(), null)), new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("process.argv");
  }

  @Test
  void shouldReportABinaryThatIsNotFoundAsLaunchError() {
    backend = backend(null);

    assertThatThrownBy(() -> backend.launch(request(process("missing", List.of("weft-no-such-binary", "x"), Map.of(), null)), new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.LAUNCH_ERROR))
        .hasMessageStartingWith("cannot start 'weft-no-such-binary'")
        .hasMessageContaining("No such file or directory");
    assertThat(backend.runningCount()).isZero();
  }

  @Test
  void shouldKillTheWholeProcessTreeOnCancel() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("tree", List.of("sh", "-c", "sleep 100 & sleep 100; wait"), Map.of(), null)), listener);
    List<ProcessHandle> tree = treeWhenItHas(3, attempt);

    attempt.cancel(Duration.ofSeconds(5), "user asked");
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(outcome.reason()).isEqualTo("cancelled: user asked");
    Conditions.await("every process of the tree " + pids(tree) + " to be gone", WAIT, () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    listener.assertFinishedOnce();
  }

  @Test
  void shouldSigkillWhatIgnoresSigtermAfterTheGrace() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("stubborn",
        List.of("sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"), Map.of(), null)), listener);
    Conditions.await("the script to install its trap", WAIT, () -> attempt.logTail().contains("ready"));

    attempt.cancel(Duration.ofMillis(300), "stop");
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(outcome.exitCode()).as("128 + SIGKILL").isEqualTo(137);
  }

  @Test
  void shouldKeepOnlyABoundedTailOfALoudProcess() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("loud", List.of("sh", "-c", "i=0; while [ $i -lt 20000 ]; do echo line $i; i=$((i+1)); done"), Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.logTail().length()).isLessThanOrEqualTo(Texts.MAX_LOG_TAIL_BYTES);
    assertThat(outcome.logTail()).startsWith("line ").endsWith("line 19999\n");
  }

  @Test
  void shouldReportASignalledProcessAs128PlusTheSignal() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("signalled", List.of("sh", "-c", "kill -s USR1 $$"), Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(outcome.exitCode()).as("128 + SIGUSR1").isEqualTo(138);
  }

  @Test
  void shouldEndACancelledProcessWithSigtermWhenItDoesNotIgnoreIt() throws Exception {
    backend = backend(null);
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("sleeper", List.of("sleep", "100"), Map.of(), null)), listener);
    toReap.add(Long.parseLong(attempt.handle()));

    attempt.cancel(Duration.ofSeconds(60), "stop");
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.exitCode()).as("128 + SIGTERM, long before the grace ran out").isEqualTo(143);
  }

  /**
   * A cancel that comes as the task starts reaches it wherever its start is: in the launcher, in the guard's fork, in
   * {@code setsid}, in the task. Many at once, so that some land in each window; none may run until its grace ends.
   */
  @Test
  void shouldEndEveryProcessCancelledAsItStartsWithSigterm() throws Exception {
    backend = backend(null);
    List<RecordingListener> listeners = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      RecordingListener listener = new RecordingListener();
      listeners.add(listener);
      RunningAttempt attempt = backend.launch(
          request(process("cancelled-" + i, List.of("sleep", "100"), Map.of(), null)), listener);
      toReap.add(Long.parseLong(attempt.handle()));
      attempt.cancel(Duration.ofSeconds(60), "stop");
    }
    for (int i = 0; i < 40; i++) {
      AttemptOutcome outcome = listeners.get(i).await(WAIT);
      assertThat(outcome.exitCode()).as("task %d: 128 + SIGTERM, long before the grace ran out", i).isEqualTo(143);
    }
  }

  @Test
  void shouldRunManyTasksAtOnceEachWithItsOwnOutputAndExitCode() throws Exception {
    backend = backend(null);
    List<RecordingListener> listeners = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      RecordingListener listener = new RecordingListener();
      listeners.add(listener);
      backend.launch(request(process("many-" + i, List.of("sh", "-c", "echo out-" + i + "; echo err-" + i + " >&2; exit " + (i % 3)),
          Map.of(), null)), listener);
    }
    for (int i = 0; i < 40; i++) {
      AttemptOutcome outcome = listeners.get(i).await(WAIT);
      assertThat(outcome.exitCode()).isEqualTo(i % 3);
      // Its own two lines and nothing else; stdout's and stderr's may come in either order.
      assertThat(outcome.logTail().split("\n")).containsExactlyInAnyOrder("out-" + i, "err-" + i);
    }
    assertThat(backend.runningCount()).isZero();
  }

  @Test
  void shouldKillLeftoversOfAPreviousIncarnationOnStart() throws Exception {
    Path state = base.resolve("state");
    ProcessBackend crashed = backend(state);
    RunningAttempt attempt = crashed.launch(request(process("left", List.of("sh", "-c", "sleep 100 & sleep 100; wait"), Map.of(), null)), new RecordingListener());
    List<ProcessHandle> tree = treeWhenItHas(3, attempt);
    // The crashed incarnation is never closed and never cancels anything: its JVM is gone as far as the next one knows.

    backend = backend(state);
    List<AttemptId> adoptable = backend.findRunning();

    assertThat(adoptable).as("plain processes cannot be adopted").isEmpty();
    Conditions.await("the leftover tree " + pids(tree) + " to be killed", WAIT, () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(pidFilesIn(state)).isEmpty();
    crashed.close();
  }

  @Test
  void shouldNotKillAReusedPid() throws Exception {
    Path state = Files.createDirectories(base.resolve("state"));
    Process stranger = new ProcessBuilder("sleep", "100").start();
    toReap.add(stranger.pid());
    // A pid file naming the stranger's pid, but written for a process that started long ago: the pid was reused.
    Files.writeString(state.resolve("old.pid"), String.join("\n",
        "pid=" + stranger.pid(), "startedAtMs=" + Instant.parse("2020-01-01T00:00:00Z").toEpochMilli(),
        "runId=r", "taskId=t", "attempt=1"));

    backend = backend(state);
    List<AttemptId> killed = backend.killLeftovers();

    assertThat(killed).isEmpty();
    assertThat(stranger.isAlive()).isTrue();
    assertThat(pidFilesIn(state)).as("the stale pid file is removed").isEmpty();
  }

  @Test
  void shouldWriteAPidFilePerRunningAttemptAndRemoveItAtTheEnd() throws Exception {
    Path state = base.resolve("state");
    backend = backend(state);
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("pidfile", List.of("sleep", "100"), Map.of(), null)), listener);
    toReap.add(Long.parseLong(attempt.handle()));

    assertThat(pidFilesIn(state)).hasSize(1);
    assertThat(Files.readString(pidFilesIn(state).get(0))).contains("pid=" + attempt.handle());

    attempt.cancel(Duration.ofSeconds(5), "done");
    listener.await(WAIT);
    assertThat(pidFilesIn(state)).isEmpty();
  }

  private List<ProcessHandle> treeWhenItHas(int size, RunningAttempt attempt) {
    ProcessHandle root = ProcessHandle.of(Long.parseLong(attempt.handle())).orElseThrow();
    toReap.add(root.pid());
    return Conditions.awaitValue("pid " + root.pid() + " and its children to be " + size + " processes", WAIT, () -> {
      List<ProcessHandle> tree = new java.util.ArrayList<>();
      tree.add(root);
      root.descendants().forEach(tree::add);
      tree.forEach(h -> toReap.add(h.pid()));
      return tree.size() >= size ? tree : null;
    });
  }

  private static String pids(List<ProcessHandle> tree) {
    return tree.stream().map(h -> Long.toString(h.pid())).collect(Collectors.joining(","));
  }

  private static List<Path> pidFilesIn(Path dir) throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".pid")).toList();
    }
  }
}
