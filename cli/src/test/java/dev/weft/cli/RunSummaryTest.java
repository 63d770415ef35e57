package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunResult;
import dev.weft.client.TaskResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The execution summary {@code weft run} and {@code submit --wait} print at the end. */
class RunSummaryTest {
  @Test
  void shouldTellTasksCarriedOverByARerunFromTasksWhoseOutputExisted() {
    RunResult r = new RunResult("r2", "p", "SUCCEEDED", null, 3, Map.of(), List.of(
        task("extract", "SKIPPED", "carried over from run r1"),
        task("cached", "SKIPPED", null),
        task("load", "SUCCEEDED", null)), 0L, 1_000L);
    String out = summary(r);
    assertThat(out).contains("* 1 complete ones were encountered (output already existed):\n    - cached\n")
        .contains("* 1 were carried over from run r1 (not run again):\n    - extract\n")
        .contains("* 1 ran successfully:\n    - load\n");
  }

  private static TaskResult task(String id, String status, String reason) {
    return new TaskResult(id, status, 1, null, null, reason, null, null, null, null);
  }

  private static String summary(RunResult r) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunReport.summary(r, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
