package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.TaskResult;
import org.junit.jupiter.api.Test;

/** The line {@code weft run} and {@code weft submit --wait} print as each task ends. */
class ProgressLineTest {
  @Test
  void shouldSayWhyATaskFailed() {
    TaskResult t = new TaskResult("load", "FAILED", 2, 7, "EXIT_CODE", "exit code 7; last line: boom", null, null,
        1L, 2L);
    assertThat(RunReport.progressLine(t, 3, 10))
        .isEqualTo("[ 3/10] FAIL load FAILED (attempt 2) - exit code 7; last line: boom");
  }

  @Test
  void shouldPutTheFailureOfAnEarlierAttemptBehindATaskThatSucceededOnARetry() {
    TaskResult once = new TaskResult("flaky", "SUCCEEDED", 2, 0, null, "exit code 1; last line: attempt 1", null, null,
        1L, 2L);
    assertThat(RunReport.progressLine(once, 4, 6))
        .isEqualTo("[4/6] ok   flaky SUCCEEDED (attempt 2) - after 1 failed attempt; the last: exit code 1; "
            + "last line: attempt 1");
    TaskResult twice = new TaskResult("flaky", "SUCCEEDED", 3, 0, null, "exit code 1", null, null, 1L, 2L);
    assertThat(RunReport.progressLine(twice, 4, 6))
        .endsWith("(attempt 3) - after 2 failed attempts; the last: exit code 1");
  }

  @Test
  void shouldSayNothingMoreOfATaskThatSucceededAtOnce() {
    TaskResult t = new TaskResult("prepare", "SUCCEEDED", 1, 0, null, null, null, null, 1L, 2L);
    assertThat(RunReport.progressLine(t, 1, 6)).isEqualTo("[1/6] ok   prepare SUCCEEDED (attempt 1)");
  }

  @Test
  void shouldNameNoAttemptForATaskThatHadNone() {
    TaskResult mapped = new TaskResult("load", "SUCCEEDED", 0, null, null, null, null, null, 1L, 2L);
    assertThat(RunReport.progressLine(mapped, 5, 6)).isEqualTo("[5/6] ok   load SUCCEEDED");
    TaskResult skipped = new TaskResult("report", "SKIPPED", 0, null, null, null, null, null, 1L, 2L);
    assertThat(RunReport.progressLine(skipped, 6, 6)).isEqualTo("[6/6] skip report SKIPPED");
  }
}
