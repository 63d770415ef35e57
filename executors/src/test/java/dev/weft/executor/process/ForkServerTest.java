package dev.weft.executor.process;

import static dev.weft.executor.Specs.process;
import static dev.weft.executor.Specs.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.executor.Conditions;
import dev.weft.executor.RecordingListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fork server's promises: tasks die with the executor and with the server, and start as a plain process would.
 * Each helper ({@link ForkServer.Helpers}) keeps them: {@link PythonForkServerTest} and {@link PerlForkServerTest}.
 */
abstract class ForkServerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path work;
  private final List<ProcessHandle> toReap = new ArrayList<>();
  private ForkServer forkServer;
  private ProcessBackend backend;

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
    toReap.forEach(ProcessHandle::destroyForcibly);
  }

  /** The helper under test. */
  abstract ForkServer.Helpers helper();

  private ForkServer forkServer() {
    // No silent skip: without the interpreter the process executor falls back to another launcher, and that must show
    // as a failure here.
    return ForkServer.onThisHost(helper()).orElseThrow(() -> new AssertionError(helper().interpreter
        + " is not on the PATH (or is too old)"));
  }

  private ProcessBackend backend() {
    forkServer = forkServer();
    backend = new ProcessBackend(work, null, ProcessPolicy.localDefault(), forkServer);
    return backend;
  }

  @Test
  void shouldKillTheTasksWholeTreeWhenTheExecutorJvmIsKilled() throws Exception {
    KilledExecutorProbe.Running probe = KilledExecutorProbe.start(work, helper().name());
    Process executor = probe.jvm();
    toReap.add(executor.toHandle());
    long pid = probe.taskPid();
    assertThat(pid).as("the probe executor printed its task's pid").isPositive();
    List<ProcessHandle> tree = treeOf(pid, 3);
    assertThat(tree).as("alive after the thread that asked for the launch ended").allMatch(ProcessHandle::isAlive);

    executor.destroyForcibly();
    executor.waitFor();

    Conditions.await("every process of the killed executor's task to be gone: " + tree, WAIT,
        () -> tree.stream().noneMatch(ProcessHandle::isAlive));
  }

  @Test
  void shouldKillTheTasksAndReportThemLostWhenTheServerDiesAndStartANewServerForTheNext() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("tree", List.of("sh", "-c", "sleep 300 & sleep 300; wait"),
        Map.of(), null)), listener);
    List<ProcessHandle> tree = treeOf(Long.parseLong(attempt.handle()), 3);
    long server = forkServer.helperPids().get(0);

    ProcessHandle.of(server).orElseThrow().destroyForcibly();
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.failureKind()).isEqualTo(FailureKind.LOST);
    assertThat(outcome.reason()).contains("fork server");
    Conditions.await("every process of the orphaned task to be gone: " + tree, WAIT,
        () -> tree.stream().noneMatch(ProcessHandle::isAlive));

    RecordingListener next = new RecordingListener();
    backend.launch(request(process("next", List.of("echo", "again"), Map.of(), null)), next);
    assertThat(next.await(WAIT).logTail()).isEqualTo("again\n");
    assertThat(forkServer.helperPids()).hasSize(1).doesNotContain(server);
  }

  @Test
  void shouldKillWhatStillRunsWhenClosedAndStillReportIt() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(process("tree", List.of("sh", "-c", "sleep 300 & sleep 300; wait"),
        Map.of(), null)), listener);
    List<ProcessHandle> tree = treeOf(Long.parseLong(attempt.handle()), 3);

    backend.close();

    Conditions.await("every process of the task to be gone: " + tree, WAIT,
        () -> tree.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(listener.await(WAIT).failureKind()).as("the killed task's outcome, reported after the close")
        .isEqualTo(FailureKind.LOST);
  }

  @Test
  void shouldHaveEndedTheServerWhenCloseReturns() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener listener = new RecordingListener();
    backend.launch(request(process("long", List.of("sleep", "300"), Map.of(), null)), listener);
    ProcessHandle server = ProcessHandle.of(forkServer.helperPids().get(0)).orElseThrow();

    backend.close();

    // Not awaited: a server still alive when close returns keeps a JDK thread in native code, which delays the
    // JVM's exit (see ForkServer.close).
    assertThat(server.isAlive()).as("the fork server, right after close returned").isFalse();
    assertThat(listener.await(WAIT).failureKind()).isEqualTo(FailureKind.LOST);
  }

  @Test
  void shouldGiveTheTaskNoStdinNoIgnoredOrBlockedSignalsAndASessionOfItsOwn() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener listener = new RecordingListener();

    // cat ends at once on end-of-file. The server ignores the usual termination signals; a task that inherited that
    // would survive a cancel's SIGTERM until the SIGKILL.
    backend.launch(request(process("signals", List.of("sh", "-c",
        "cat; grep -E '^Sig(Ign|Blk)' /proc/self/status; ps -o pid=,sid=,pgid= -p $$"), Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).as(outcome.logTail()).isTrue();
    // Signals 1 to 31; glibc keeps 32 and 33 for itself.
    assertThat(signalMask(outcome.logTail(), "SigBlk") & 0x7fffffffL).as("blocked signals").isZero();
    assertThat(signalMask(outcome.logTail(), "SigIgn") & 0x7fffffffL).as("ignored signals").isZero();
    String[] ids = outcome.logTail().lines().filter(l -> !l.startsWith("Sig")).findFirst().orElseThrow().trim()
        .split("\\s+");
    assertThat(ids[1]).as("session id is the task's pid").isEqualTo(ids[0]);
    assertThat(ids[2]).as("process group id is the task's pid").isEqualTo(ids[0]);
  }

  @Test
  void shouldGiveTheTaskNoSignalThatWhoeverStartedTheExecutorIgnored() throws Exception {
    // As nohup (HUP) and a shell's background job (INT, QUIT) leave them, and as they pass through exec: an
    // interpreter that starts with these ignored, as the helper did when the executor's JVM had them ignored.
    forkServer(); // no silent skip: the wrapper below needs the interpreter on the PATH
    Path ignoring = work.resolve(helper().interpreter + "-with-signals-ignored");
    Files.writeString(ignoring, "#!/bin/sh\ntrap '' HUP INT QUIT USR1 ALRM\nexec " + helper().interpreter
        + " \"$@\"\n");
    assertThat(ignoring.toFile().setExecutable(true)).isTrue();
    forkServer = new ForkServer(helper(), ignoring);
    backend = new ProcessBackend(work, null, ProcessPolicy.localDefault(), forkServer);
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("signals", List.of("grep", "^SigIgn", "/proc/self/status"), Map.of(), null)),
        listener);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).as(outcome.logTail()).isTrue();
    assertThat(signalMask(outcome.logTail(), "SigIgn") & 0x7fffffffL).as("ignored signals").isZero();
  }

  @Test
  void shouldGiveEachTaskItsOwnEnvironmentAndNothingOfTheTaskBefore() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener first = new RecordingListener();
    backend.launch(request(process("first", List.of("sh", "-c", "echo \"$ONLY_FIRST\""), Map.of("ONLY_FIRST", "a=b c"), null)), first);
    assertThat(first.await(WAIT).logTail()).isEqualTo("a=b c\n");

    RecordingListener second = new RecordingListener();
    backend.launch(request(process("second", List.of("sh", "-c", "echo \"${ONLY_FIRST-unset} $WEFT_TASK_ID\""), Map.of(), null)), second);
    assertThat(second.await(WAIT).logTail()).isEqualTo("unset second\n");
  }

  @Test
  void shouldStillReportATaskWhoseBackgroundChildHoldsItsOutputOpen() throws Exception {
    ProcessBackend backend = backend();
    RecordingListener listener = new RecordingListener();

    RunningAttempt attempt = backend.launch(request(process("background", List.of("sh", "-c", "sleep 5 & echo done"),
        Map.of(), null)), listener);
    // The shell may have exited already, since it only echoes; its background sleep ends by itself.
    ProcessHandle.of(Long.parseLong(attempt.handle())).ifPresent(toReap::add);
    AttemptOutcome outcome = listener.await(WAIT);

    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.logTail()).isEqualTo("done\n");
  }

  @Test
  void shouldStartAnotherHelperOnceOneRunsAsManyTasksAsItsSelectCanWatch() throws Exception {
    ProcessBackend backend = backend();
    List<RecordingListener> listeners = new ArrayList<>();
    List<RunningAttempt> attempts = new ArrayList<>();
    for (int i = 0; i < ForkServer.TASKS_PER_HELPER + 5; i++) {
      RecordingListener listener = new RecordingListener();
      listeners.add(listener);
      RunningAttempt attempt = backend.launch(request(process("wide-" + i, List.of("sleep", "300"), Map.of(), null)), listener);
      attempts.add(attempt);
      toReap.add(ProcessHandle.of(Long.parseLong(attempt.handle())).orElseThrow());
    }
    assertThat(forkServer.helperPids()).as("helpers for " + attempts.size() + " tasks at once").hasSize(2);

    attempts.forEach(a -> a.cancel(Duration.ofSeconds(30), "enough"));
    for (RecordingListener listener : listeners) {
      AttemptOutcome outcome = listener.await(WAIT);
      assertThat(outcome.failureKind()).isEqualTo(FailureKind.CANCELLED);
      assertThat(outcome.exitCode()).as("128 + SIGTERM").isEqualTo(143);
    }
  }

  private static long signalMask(String status, String field) {
    String line = status.lines().filter(l -> l.startsWith(field + ":")).findFirst().orElseThrow();
    return Long.parseUnsignedLong(line.substring(field.length() + 1).trim(), 16);
  }

  private List<ProcessHandle> treeOf(long pid, int size) {
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
    return Conditions.awaitValue("the task's tree of " + size + " processes", WAIT, () -> {
      List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
      t.add(root);
      toReap.addAll(t);
      return t.size() >= size ? t : null;
    });
  }
}
