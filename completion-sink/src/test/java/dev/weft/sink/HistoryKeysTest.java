package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HistoryKeysTest {
  static final long DEC_1_2026_2359_UTC = Instant.parse("2026-12-01T23:59:59Z").toEpochMilli();

  @Test
  void shouldPartitionByPipelineAndTheUtcDayOfAcceptance() {
    String dir = HistoryKeys.runDir("daily-revenue", DEC_1_2026_2359_UTC, "r-7f3a");
    assertThat(dir).isEqualTo("runs/daily-revenue/2026/12/01/r-7f3a/");
    assertThat(HistoryKeys.runRecord(dir)).isEqualTo("runs/daily-revenue/2026/12/01/r-7f3a/run.json");
    assertThat(HistoryKeys.taskRecord(dir, "extract")).isEqualTo("runs/daily-revenue/2026/12/01/r-7f3a/tasks/extract.json");
    assertThat(HistoryKeys.attemptRecord(dir, "extract", 2))
        .isEqualTo("runs/daily-revenue/2026/12/01/r-7f3a/attempts/extract/2.json");
    assertThat(HistoryKeys.rejectedRecord(dir, 5)).isEqualTo("runs/daily-revenue/2026/12/01/r-7f3a/rejected-5.json");
    assertThat(HistoryKeys.idPointer("r-7f3a", "daily-revenue", DEC_1_2026_2359_UTC))
        .isEqualTo("ids/r-7f3a/daily-revenue/2026/12/01.json");
  }

  @Test
  void shouldNeverLetAnIdAddALevelOrClimbOut() {
    assertThat(HistoryKeys.segment("a/b")).isEqualTo("a%2Fb");
    assertThat(HistoryKeys.segment("..")).isEqualTo("%2E%2E");
    assertThat(HistoryKeys.segment("r 1é")).isEqualTo("r%201%C3%A9");
    assertThat(HistoryKeys.unsegment(HistoryKeys.segment("r 1é/x"))).isEqualTo("r 1é/x");
    assertThat(HistoryKeys.pipelineDir("")).isEqualTo("runs/_unnamed/");
  }
}
