package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunResult;
import dev.weft.client.TaskResult;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton end to end: real process tasks on the real broker, registry, coordinator and process
 * executor. Each task appends wall-clock stamps to marker files when it starts and just before it exits, so the
 * order of execution is read from what the processes themselves recorded, not from what the coordinator claims.
 */
class SkeletonEndToEndTest {
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
  void shouldRunADiamondInDependencyOrder(@TempDir Path dir) throws Exception {
    // a -> (b, c) -> d; each task lasts long enough that starting a dependant early would overlap its dependency.
    PipelineSpec spec = PipelineBuilder.pipeline("diamond")
        .task(stamped("a", dir, 0.3))
        .task(stamped("b", dir, 0.3).dependsOn("a"))
        .task(stamped("c", dir, 0.3).dependsOn("a"))
        .task(stamped("d", dir, 0.3).dependsOn("b", "c"))
        .build();

    RunResult r = client.run(spec, Map.of(), RUN_TIMEOUT);

    assertThat(r.status()).as("run %s: %s", r.runId(), r).isEqualTo("SUCCEEDED");
    assertThat(r.taskCount()).isEqualTo(4);
    assertThat(r.counts()).isEqualTo(Map.of("SUCCEEDED", 4));
    assertThat(r.tasks()).extracting(TaskResult::id).containsExactly("a", "b", "c", "d");
    assertThat(r.tasks()).allSatisfy(t -> {
      assertThat(t.status()).isEqualTo("SUCCEEDED");
      assertThat(t.attempts()).isEqualTo(1);
      assertThat(t.exitCode()).isEqualTo(0);
    });
    Map<String, List<String>> deps = Map.of("a", List.of(), "b", List.of("a"), "c", List.of("a"), "d", List.of("b", "c"));
    assertStartedAfterDependenciesFinished(dir, deps);
  }

  @Test
  void shouldRunA200TaskFanOutAndFanIn(@TempDir Path dir) throws Exception {
    int width = 200;
    PipelineBuilder b = PipelineBuilder.pipeline("fan-out-fan-in").task(stamped("split", dir, 0));
    String[] parts = new String[width];
    Map<String, List<String>> deps = new LinkedHashMap<>();
    deps.put("split", List.of());
    for (int i = 0; i < width; i++) {
      parts[i] = String.format("part-%03d", i);
      b.task(stamped(parts[i], dir, 0).dependsOn("split"));
      deps.put(parts[i], List.of("split"));
    }
    b.task(stamped("join", dir, 0).dependsOn(parts));
    deps.put("join", List.of(parts));

    RunResult r = client.run(b.build(), Map.of(), RUN_TIMEOUT);

    assertThat(r.status()).as("run %s ended %s: %s", r.runId(), r.status(), r.counts()).isEqualTo("SUCCEEDED");
    assertThat(r.taskCount()).isEqualTo(width + 2);
    assertThat(r.counts()).isEqualTo(Map.of("SUCCEEDED", width + 2));
    assertThat(r.tasks()).hasSize(width + 2);
    assertThat(r.tasks()).extracting(TaskResult::id).doesNotHaveDuplicates().containsAll(deps.keySet());
    assertThat(r.tasks()).allSatisfy(t -> {
      assertThat(t.status()).as(t.id()).isEqualTo("SUCCEEDED");
      assertThat(t.attempts()).as(t.id()).isEqualTo(1);
    });
    assertStartedAfterDependenciesFinished(dir, deps);
  }

  @Test
  void shouldFailTheRunAndItsDependantsButFinishTheIndependentBranch(@TempDir Path dir) throws Exception {
    // prepare -> bad -> after-bad -> final, and prepare -> slow-branch -> after-slow -> final. slow-branch sleeps,
    // so it is normally still running when bad fails and after-slow is dispatched after the failure: a failure
    // stops only what depends on it.
    PipelineSpec spec = PipelineBuilder.pipeline("partly-failing")
        .task(stamped("prepare", dir, 0))
        .task(PipelineBuilder.process("bad", "sh", "-c",
            "echo 'reading the input'; echo 'boom: input file is missing' >&2; exit 7").dependsOn("prepare").retry(1, "1s"))
        .task(stamped("after-bad", dir, 0).dependsOn("bad"))
        .task(stamped("slow-branch", dir, 1.5).dependsOn("prepare"))
        .task(stamped("after-slow", dir, 0).dependsOn("slow-branch"))
        .task(stamped("final", dir, 0).dependsOn("after-bad", "after-slow"))
        .build();

    RunResult r = client.run(spec, Map.of(), RUN_TIMEOUT);

    assertThat(r.status()).as("run %s: %s", r.runId(), r).isEqualTo("FAILED");
    assertThat(r.taskCount()).isEqualTo(6);
    assertThat(r.counts()).isEqualTo(Map.of("SUCCEEDED", 3, "FAILED", 1, "UPSTREAM_FAILED", 2));
    Map<String, TaskResult> byId = r.tasks().stream().collect(Collectors.toMap(TaskResult::id, t -> t));
    assertThat(byId.get("prepare").status()).isEqualTo("SUCCEEDED");
    assertThat(byId.get("slow-branch").status()).isEqualTo("SUCCEEDED");
    assertThat(byId.get("after-slow").status()).isEqualTo("SUCCEEDED");
    assertThat(byId.get("after-bad").status()).isEqualTo("UPSTREAM_FAILED");
    assertThat(byId.get("final").status()).isEqualTo("UPSTREAM_FAILED");
    TaskResult bad = byId.get("bad");
    assertThat(bad.status()).isEqualTo("FAILED");
    assertThat(bad.attempts()).isEqualTo(1);
    assertThat(bad.exitCode()).isEqualTo(7);
    assertThat(bad.failureKind()).isEqualTo("EXIT_CODE");
    assertThat(bad.lastFailure()).contains("exit code 7");
    assertThat(bad.logTail()).contains("reading the input").contains("boom: input file is missing");
    // The dependants of the failed task never ran: no process wrote their markers.
    assertThat(dir.resolve("after-bad.start")).doesNotExist();
    assertThat(dir.resolve("final.start")).doesNotExist();
    assertStartedAfterDependenciesFinished(dir, Map.of("slow-branch", List.of("prepare"),
        "after-slow", List.of("slow-branch")));
  }

  /**
   * A process task that appends its start stamp, sleeps, and appends its end stamp (epoch nanoseconds from
   * {@code date +%s%N}). Appending rather than overwriting makes a second launch of the same task visible.
   */
  static PipelineBuilder.Task stamped(String id, Path dir, double sleepSeconds) {
    String start = dir.resolve(id + ".start").toString();
    String end = dir.resolve(id + ".end").toString();
    String script = "date +%s%N >> '" + start + "'"
        + (sleepSeconds > 0 ? " && sleep " + sleepSeconds : "")
        + " && date +%s%N >> '" + end + "'";
    return PipelineBuilder.process(id, "sh", "-c", script).retry(1, "1s");
  }

  /** Every task ran exactly once, and started after the end stamp of each of its dependencies. */
  static void assertStartedAfterDependenciesFinished(Path dir, Map<String, List<String>> deps) throws IOException {
    Map<String, Long> start = new HashMap<>();
    Map<String, Long> end = new HashMap<>();
    java.util.Set<String> ids = new java.util.TreeSet<>(deps.keySet());
    deps.values().forEach(ids::addAll);
    for (String id : ids) {
      start.put(id, onlyStamp(dir.resolve(id + ".start")));
      end.put(id, onlyStamp(dir.resolve(id + ".end")));
    }
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : deps.entrySet()) {
      for (String dep : e.getValue()) {
        if (start.get(e.getKey()) <= end.get(dep)) {
          violations.add(e.getKey() + " started at " + start.get(e.getKey()) + " but its dependency " + dep
              + " finished at " + end.get(dep));
        }
      }
    }
    assertThat(violations).as("tasks started before their dependencies finished").isEmpty();
  }

  private static long onlyStamp(Path file) throws IOException {
    assertThat(file).as("marker written by the task itself").exists();
    List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertThat(lines).as("stamps in %s (one per launch; more means the task ran twice)", file).hasSize(1);
    return Long.parseLong(lines.get(0).trim());
  }
}
