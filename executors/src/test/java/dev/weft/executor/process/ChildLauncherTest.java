package dev.weft.executor.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.Conditions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work dies with its executor under the guard too (Spark drivers, and process tasks where no perl is installed): an
 * executor JVM killed with SIGKILL takes its task's whole process tree with it.
 */
class ChildLauncherTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path work;
  private final List<ProcessHandle> toReap = new ArrayList<>();

  @AfterEach
  void tearDown() {
    toReap.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void shouldGuardChildrenOnThisMachine() {
    // No silent skip: without util-linux the guarantee below does not hold, and that must show as a failure.
    assertThat(ChildLauncher.guarded()).as("setpriv and setsid (util-linux) are on the PATH").isTrue();
  }

  @Test
  void shouldKillTheTasksWholeTreeWhenTheExecutorJvmIsKilled() throws Exception {
    KilledExecutorProbe.Running probe = KilledExecutorProbe.start(work, "guarded");
    Process executor = probe.jvm();
    toReap.add(executor.toHandle());
    long pid = probe.taskPid();
    assertThat(pid).as("the probe executor printed its task's pid").isPositive();
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
    // The task shell and its two sleeps, under the guard.
    List<ProcessHandle> tree = Conditions.awaitValue("the task's tree of 4 processes", WAIT, () -> {
      List<ProcessHandle> t = new ArrayList<>(root.descendants().toList());
      t.add(root);
      return t.size() >= 4 ? t : null;
    });
    toReap.addAll(tree);
    assertThat(tree).as("alive after the thread that asked for the launch ended").allMatch(ProcessHandle::isAlive);

    executor.destroyForcibly();
    executor.waitFor();

    Conditions.await("every process of the killed executor's task to be gone: " + tree, WAIT,
        () -> tree.stream().noneMatch(ProcessHandle::isAlive));
  }
}
