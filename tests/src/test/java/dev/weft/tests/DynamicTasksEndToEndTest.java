package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunResult;
import dev.weft.client.TaskResult;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic tasks on the real broker, registry, coordinator and process executor: a task lists files into
 * {@code $WEFT_RESULT_FILE} and a process task mapped over that list runs once per file; a task writes new tasks to
 * {@code $WEFT_SPAWN_FILE} and they run before its dependants. What ran is read from what the processes wrote.
 */
class DynamicTasksEndToEndTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
  private static DevStack stack;
  private static WeftClient client;

  @BeforeAll
  static void connect() {
    stack = SharedStack.get();
    client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics());
  }

  @AfterAll
  static void disconnect() {
    if (client != null) client.close();
  }

  @Test
  void shouldMapAProcessTaskOverTheFilesAnotherTaskListed(@TempDir Path dir) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Path out = Files.createDirectories(dir.resolve("out"));
    for (String f : List.of("a.csv", "b.csv", "c.csv")) Files.writeString(in.resolve(f), f);
    // A JSON array of the file names, written where the executor reads the task's result.
    String list = "ls '" + in + "' | awk 'BEGIN{printf \"[\"} {printf \"%s\\\"%s\\\"\", (NR>1?\",\":\"\"), $0} "
        + "END{printf \"]\"}' > \"$WEFT_RESULT_FILE\"";
    PipelineSpec spec = PipelineBuilder.pipeline("mapped-files")
        .task(PipelineBuilder.process("list-files", "sh", "-c", list))
        .task(PipelineBuilder.process("load", "sh", "-c", "cp '" + in + "/${item}' '" + out + "/${item}.loaded'")
            .mapOver("list-files"))
        .task(PipelineBuilder.process("report", "sh", "-c", "ls '" + out + "' > '" + dir.resolve("report.txt") + "'")
            .dependsOn("load"))
        .build();

    RunResult r = client.run(spec, Map.of(), RUN_TIMEOUT);

    assertThat(r.status()).as("run %s: %s", r.runId(), r).isEqualTo("SUCCEEDED");
    assertThat(r.taskCount()).isEqualTo(6);
    Map<String, TaskResult> byId = r.tasks().stream().collect(Collectors.toMap(TaskResult::id, Function.identity()));
    assertThat(byId).containsOnlyKeys("list-files", "load", "load[0]", "load[1]", "load[2]", "report");
    assertThat(byId.values()).allSatisfy(t -> assertThat(t.status()).as(t.id()).isEqualTo("SUCCEEDED"));
    for (String f : List.of("a.csv", "b.csv", "c.csv")) assertThat(out.resolve(f + ".loaded")).hasContent(f);
    // report listed out/ after every instance had written its file.
    assertThat(Files.readAllLines(dir.resolve("report.txt"))).containsExactly("a.csv.loaded", "b.csv.loaded",
        "c.csv.loaded");
  }

  @Test
  void shouldRunSpawnedTasksBeforeTheSpawnersDependants(@TempDir Path dir) throws Exception {
    Path fragment = dir.resolve("fragment.yaml");
    Files.writeString(fragment, String.join("\n",
        "tasks:",
        "  - id: spawned-1",
        "    executor: process",
        "    process: {argv: [sh, -c, \"" + stampScript("spawned-1", dir, 0.5) + "\"]}",
        "  - id: spawned-2",
        "    dependsOn: [spawned-1]",
        "    executor: process",
        "    process: {argv: [sh, -c, \"" + stampScript("spawned-2", dir, 0.2) + "\"]}",
        ""));
    PipelineSpec spec = PipelineBuilder.pipeline("spawning")
        .task(PipelineBuilder.process("plan", "sh", "-c", stampScript("plan", dir, 0)
            + " && cp '" + fragment + "' \"$WEFT_SPAWN_FILE\""))
        .task(SkeletonEndToEndTest.stamped("after", dir, 0).dependsOn("plan"))
        .build();

    RunResult r = client.run(spec, Map.of(), RUN_TIMEOUT);

    assertThat(r.status()).as("run %s: %s", r.runId(), r).isEqualTo("SUCCEEDED");
    assertThat(r.taskCount()).isEqualTo(4);
    assertThat(r.counts()).isEqualTo(Map.of("SUCCEEDED", 4));
    SkeletonEndToEndTest.assertStartedAfterDependenciesFinished(dir, Map.of(
        "spawned-2", List.of("spawned-1"),
        "after", List.of("plan", "spawned-1", "spawned-2")));
  }

  /** What {@link SkeletonEndToEndTest#stamped} runs: start and end stamps around a sleep. */
  private static String stampScript(String id, Path dir, double sleepSeconds) {
    return "date +%s%N >> '" + dir.resolve(id + ".start") + "'"
        + (sleepSeconds > 0 ? " && sleep " + sleepSeconds : "")
        + " && date +%s%N >> '" + dir.resolve(id + ".end") + "'";
  }
}
