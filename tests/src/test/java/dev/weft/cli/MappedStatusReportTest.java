package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code weft status} keeps a 1,000-instance map readable: one row for the mapped task, its failed instances only. */
class MappedStatusReportTest {

  @Test
  void shouldSummariseAMappedTaskAndListOnlyItsFailedInstancesUnlessAll() {
    List<TaskView> tasks = new ArrayList<>();
    tasks.add(task("list", "SUCCEEDED", null, null, null));
    tasks.add(task("load", "FAILED", "list", 1000, null));
    for (int i = 0; i < 1000; i++) tasks.add(task("load[" + i + "]", i % 100 == 7 || i % 100 == 8 ? "FAILED" : "SUCCEEDED", null, null, "load"));
    tasks.add(task("report", "UPSTREAM_FAILED", null, null, null));
    RunView run = new RunView("r", "p", "FAILED", "me", Map.of(), 0, 1L, 1003, Map.of(), null, tasks, null, null);

    String brief = render(run, false);
    String all = render(run, true);

    assertThat(brief.lines()).hasSize(2 + 3 + 10 + 1);
    assertThat(brief).contains("1000 instances: 20 FAILED, 980 SUCCEEDED").contains("load[7] ")
        .contains("... 10 more failed instances; weft status r --all lists every instance")
        .doesNotContain("load[0] ");
    assertThat(all.lines()).hasSize(2 + 3 + 1000);
    assertThat(all).contains("load[0] ");
  }

  private static String render(RunView run, boolean all) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    RunReport.status(run, all, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static TaskView task(String id, String status, String mapOver, Integer instances, String mapParent) {
    return new TaskView(id, status, "noop", 1, null, null, null, List.of(), null, null, null, null, null, null,
        mapOver, instances, mapParent, null, List.of());
  }
}
