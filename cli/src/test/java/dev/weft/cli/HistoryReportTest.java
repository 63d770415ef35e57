package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.sink.HistoryReader;
import dev.weft.sink.RunRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weft history}: a page of finished runs as a table. */
class HistoryReportTest {
  @Test
  void shouldWidenTheColumnsToTheLongestRunIdAndPipeline() {
    List<RunRecord> runs = List.of(
        run("dev-flow-20261203-083245-c32796", "dev-flow"),
        run("a-much-longer-pipeline-name-20261203-083245-c32796", "a-much-longer-pipeline-name"));
    String out = list(new HistoryReader.Page(runs, false));
    List<String> lines = out.lines().toList();
    assertThat(lines).hasSize(3);
    int pipelineColumn = lines.get(0).indexOf("PIPELINE");
    assertThat(lines.get(1).indexOf("dev-flow ")).isEqualTo(pipelineColumn);
    assertThat(lines.get(2).indexOf("a-much-longer-pipeline-name ")).isEqualTo(pipelineColumn);
    int statusColumn = lines.get(0).indexOf("STATUS");
    assertThat(lines.subList(1, 3)).allSatisfy(l -> assertThat(l.indexOf("SUCCEEDED")).isEqualTo(statusColumn));
  }

  @Test
  void shouldSayWhereAnEmptyHistoryWasLookedForAndHowToPointElsewhere() {
    assertThat(list(new HistoryReader.Page(List.of(), false)))
        .startsWith("No finished runs in the history at .weft/dev/history.").contains("--history");
  }

  private static RunRecord run(String runId, String pipeline) {
    return new RunRecord(RunRecord.VERSION, runId, pipeline, "SUCCEEDED", null, null, "me", Map.of(), 1_000L, 3_000L,
        1, Map.of("SUCCEEDED", 1));
  }

  private static String list(HistoryReader.Page page) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    HistoryReport.list(page, ".weft/dev/history", new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
