package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.TaskResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lines {@code weft run} prints while a run goes on, into a log (not a terminal). */
class RunProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  @Test
  void shouldCountAMappedTasksInstancesThatEndedWellOnItsOwnLineAndListThoseThatFailed() {
    try (RunProgress p = new RunProgress(new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false))) {
      p.accepted("r1", 3, false);
      p.taskFinished(task("list", "SUCCEEDED"), 1, 3);
      for (int i = 0; i < 4; i++) p.taskFinished(task("load[" + i + "]", i == 2 ? "FAILED" : "SUCCEEDED"), 2 + i, 7);
      p.taskFinished(task("load", "FAILED"), 6, 7);
      p.taskFinished(task("report", "CANCELLED"), 7, 7);
    }
    assertThat(lines()).containsExactly(
        "run r1 accepted: 3 tasks",
        "[1/3] ok   list SUCCEEDED (attempt 1)",
        "[4/7] FAIL load[2] FAILED (attempt 1)",
        "[6/7] FAIL load FAILED (attempt 1) - its instances: 1 FAILED, 3 SUCCEEDED",
        "[7/7] stop report CANCELLED (attempt 1)");
  }

  @Test
  void shouldListAtMostTenFailedInstancesOfAMappedTask() {
    try (RunProgress p = new RunProgress(new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false))) {
      for (int i = 0; i < 25; i++) p.taskFinished(task("load[" + i + "]", "FAILED"), i + 1, 26);
      p.taskFinished(task("load", "FAILED"), 26, 26);
    }
    List<String> lines = lines();
    assertThat(lines).hasSize(RunReport.INSTANCES_SHOWN + 1);
    assertThat(lines.get(0)).contains("load[0] FAILED");
    assertThat(lines.get(RunReport.INSTANCES_SHOWN - 1)).contains("load[9] FAILED");
    assertThat(lines.get(RunReport.INSTANCES_SHOWN)).endsWith("load FAILED (attempt 1) - its instances: 25 FAILED");
  }

  @Test
  void shouldKeepAPlainTaskWhoseNameHasBracketsButNoIndexAsItsOwnLine() {
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("load[12]")).isEqualTo("load");
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("a[1][2]")).isEqualTo("a[1]");
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("load[]")).isNull();
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("load[x]")).isNull();
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("[3]")).isNull();
    assertThat(dev.weft.spec.MappedTasks.mappedTaskOf("load")).isNull();
  }

  private static TaskResult task(String id, String status) {
    return new TaskResult(id, status, 1, null, null, null, null, null, 1L, 2L);
  }

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }
}
