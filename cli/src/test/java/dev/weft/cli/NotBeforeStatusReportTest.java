package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weft status} says what a task with a notBefore time waits for: its dependencies, or the time alone. */
class NotBeforeStatusReportTest {
  @Test
  void shouldSayWhatAPendingTaskWithANotBeforeTimeWaitsFor() {
    List<TaskView> tasks = List.of(
        task("extract", "SUCCEEDED", null, null),
        task("report", "PENDING", "2026-12-01T06:00:00Z", true),
        task("mail", "PENDING", "2026-12-01T07:00:00Z", false));
    RunView run = new RunView("r", "morning", "RUNNING", "me", Map.of(), 0, null, 3, Map.of(), null, tasks, null,
        "schedule:morning");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunReport.status(run, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("started by schedule:morning");
    assertThat(out.lines().filter(l -> l.startsWith("report")).findFirst().orElseThrow())
        .contains("waits until 2026-12-01T06:00:00Z (notBefore)");
    assertThat(out.lines().filter(l -> l.startsWith("mail")).findFirst().orElseThrow())
        .contains("waits for its dependencies, then until 2026-12-01T07:00:00Z (notBefore)");
  }

  private static TaskView task(String id, String status, String notBefore, Boolean waitingForTime) {
    return new TaskView(id, status, "noop", 0, null, null, null, List.of(), null, null, null, null, null, null, null,
        null, null, null, List.of(), notBefore, waitingForTime);
  }
}
