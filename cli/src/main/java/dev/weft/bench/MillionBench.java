package dev.weft.bench;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.SpecLimits;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * A million tasks in one run, through mapped fan-out over a count ({@code mapOver: {count: N}}): one map of
 * {@code N} noop instances, and a chain of {@code √N} maps of {@code √N} (1,000 maps of 1,000), each map waiting
 * for every instance of the one before. Each is measured against twenty runs at once of the same shape at 1,000
 * tasks (after the same twenty once unmeasured), so that both sides are bound by throughput (as the large section does): the per-task cost ratio says
 * whether a task costs more in a run that large. Reported beside it: the live heap (peak after a collection, this
 * JVM's: coordinator and executor) and the coordinator's state directory once the run finished.
 *
 * <p>The coordinator allows runs of {@code N} plus the maps' own tasks ({@code --max-run-tasks}); its default stays
 * at 200,000.
 */
final class MillionBench {
  /** The baseline's run size at full and quick sizes; a hundredth of the big run below that (the smoke test's). */
  private static final int BASELINE_TASKS = 1_000;
  private static final int BASELINE_RUNS = 20;
  private static final Duration TIMEOUT = Duration.ofMinutes(60);

  private final BenchCluster cluster;
  private final Consumer<String> say;
  private final int tasks;
  private final int baselineTasks;

  MillionBench(BenchCluster cluster, Consumer<String> say) {
    this.cluster = cluster;
    this.say = say;
    this.tasks = cluster.options.millionTasks();
    this.baselineTasks = Math.min(BASELINE_TASKS, Math.max(100, tasks / 100));
  }

  /** Adds the section's figures to {@code r} and its details to {@code details}. */
  void run(Map<String, Object> r, Map<String, Object> details) throws Exception {
    Topics topics = cluster.topics("million");
    cluster.createTopics(topics);
    SpecLimits limits = SpecLimits.DEFAULT.withMaxRunTasks(Math.max(SpecLimits.DEFAULT.maxTasks(), 2 * tasks));
    List<Map<String, Object>> shapes = new ArrayList<>();
    try (Coordinator coordinator = cluster.startCoordinator(topics, topics.prefix() + "coordinator",
        cluster.stateDir("million"), CoordinatorOptions.DEFAULT.withLimits(limits));
        RunWatcher watcher = new RunWatcher(cluster.bootstrap, cluster.serdes, topics)) {
      ExecutorRuntime executor = cluster.startNoopExecutor(topics, "bench-million-noop");
      try {
        shapes.add(shape(topics, watcher, "one map", MillionBench::oneMap));
        shapes.add(shape(topics, watcher, "chained maps", MillionBench::chainedMaps));
      } finally {
        executor.close();
      }
    }
    details.put("million", shapes);
    r.put("million_tasks", shapes.stream().mapToInt(m -> (int) m.get("tasks")).max().orElse(0));
    r.put("million_run_s", shapes.stream().mapToDouble(m -> (double) m.get("seconds")).max().orElse(0));
    r.put("million_heap_mb", shapes.stream().mapToDouble(m -> (double) m.get("heap_peak_after_gc_mb")).max().orElse(0));
    r.put("million_per_task_cost_ratio",
        shapes.stream().mapToDouble(m -> (double) m.get("per_task_cost_ratio")).max().orElse(0));
    r.put("million_state_store_mb", round(Benchmark.directoryBytes(cluster.stateDir("million")) / (1024.0 * 1024.0)));
  }

  /** One map of {@code n} instances. */
  private static PipelineSpec oneMap(int n) {
    return PipelineBuilder.pipeline("bench-million-map").task(PipelineBuilder.noop("each").mapOverCount(n)).build();
  }

  /** {@code √n} maps of {@code √n} instances, each waiting for the one before. */
  private static PipelineSpec chainedMaps(int n) {
    int side = (int) Math.round(Math.sqrt(n));
    PipelineBuilder b = PipelineBuilder.pipeline("bench-million-chain");
    for (int i = 0; i < side; i++) {
      PipelineBuilder.Task t = PipelineBuilder.noop("layer-" + i).mapOverCount(side);
      if (i > 0) t.dependsOn("layer-" + (i - 1));
      b.task(t);
    }
    return b.build();
  }

  private Map<String, Object> shape(Topics topics, RunWatcher watcher, String name, IntFunction<PipelineSpec> shape)
      throws Exception {
    PipelineSpec small = shape.apply(baselineTasks);
    PipelineSpec big = shape.apply(tasks);
    int smallTasks = instances(small);
    int bigTasks = instances(big);
    say.accept("million, " + name + ": " + BASELINE_RUNS + " runs of " + smallTasks + " tasks at once, then one of "
        + bigTasks);
    // Once unmeasured: the first 20,000 tasks of a fresh coordinator run at half speed (JIT), which would flatter the
    // ratio (0.43 at 100,000 tasks, 2026-12-02).
    runAll(topics, watcher, small, BASELINE_RUNS, "mwarm-" + name.charAt(0));
    double baselineS = runAll(topics, watcher, small, BASELINE_RUNS, "mbase-" + name.charAt(0));
    double bigS;
    double heap;
    double heapAfterGc;
    try (HeapSampler sampler = new HeapSampler()) {
      bigS = runAll(topics, watcher, big, 1, "million-" + name.charAt(0));
      heap = sampler.peakUsedMb();
      heapAfterGc = sampler.peakAfterGcMb();
    }
    double ratio = (bigS / bigTasks) / (baselineS / ((double) BASELINE_RUNS * smallTasks));
    say.accept(String.format("  %d tasks in %.1f s (%.0f tasks/s); baseline %.0f tasks/s; cost per task ratio %.2f; "
        + "heap peak %.0f MB (after GC %.0f MB)", bigTasks, bigS, bigTasks / bigS, BASELINE_RUNS * smallTasks / baselineS,
        ratio, heap, heapAfterGc));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("shape", name);
    m.put("tasks", bigTasks);
    m.put("seconds", round(bigS));
    m.put("tasks_per_s", round(bigTasks / bigS));
    m.put("baseline_tasks", smallTasks);
    m.put("baseline_runs_at_once", BASELINE_RUNS);
    m.put("baseline_seconds", round(baselineS));
    m.put("per_task_cost_ratio", round(ratio));
    m.put("heap_peak_mb", round(heap));
    m.put("heap_peak_after_gc_mb", round(heapAfterGc));
    return m;
  }

  /** The instances a run of this shape runs: every map's count. */
  private static int instances(PipelineSpec spec) {
    return spec.tasks().stream().mapToInt(t -> t.mapOver().count()).sum();
  }

  private double runAll(Topics topics, RunWatcher watcher, PipelineSpec spec, int count, String tag) throws Exception {
    return cluster.runAll(topics, watcher, spec, count, tag, TIMEOUT);
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
