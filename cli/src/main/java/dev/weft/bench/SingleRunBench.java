package dev.weft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.cli.Weft;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One run submitted alone, as most users run a pipeline: its wall time is bounded by hops (dispatch, the executor's
 * transaction, the requester's read), not by throughput. Three shapes go through the real CLI path, {@code weft
 * submit FILE --wait --json} called in this JVM against a coordinator and a noop executor group configured as
 * {@code weft dev} configures them (the executor's default concurrency, the service's commit interval):
 *
 * <ul>
 *   <li>one task: command to summary ({@code single_task_run_s});
 *   <li>a chain of {@code chainLength} tasks: each hop is the time between one task's end and the next one's, as the
 *       executor stamped them ({@code chain_hop_p50_ms});
 *   <li>a layered DAG of 1,000 tasks, 25 wide and 40 deep, each task on two of the layer before
 *       ({@code layered_1000_wall_s}); Luigi's local scheduler ran that shape in 3.2 s on this machine.
 * </ul>
 *
 * Each shape runs once unmeasured first, then {@code rounds} times; figures are medians.
 */
final class SingleRunBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BenchCluster cluster;
  private final Consumer<String> say;

  SingleRunBench(BenchCluster cluster, Consumer<String> say) {
    this.cluster = cluster;
    this.say = say;
  }

  void run(Map<String, Object> r, Map<String, Object> details) throws Exception {
    Topics topics = cluster.topics("single");
    // Stamped by the broker, so that each chain hop splits into its legs (ChainHopSplit).
    cluster.createTopics(topics, Set.of(topics.taskEvents(), topics.commands("noop")));
    Path dir = Files.createDirectories(cluster.options.dataDir().resolve("single-" + cluster.id));
    Path one = write(dir, PipelineBuilder.pipeline("bench-one").task(PipelineBuilder.noop("only")).build());
    int length = cluster.options.chainLength();
    Path chain = write(dir, Shapes.chain("bench-chain-" + length, length));
    Path layered = write(dir, Shapes.layered("bench-layered-25x40", 25, 40));
    int rounds = cluster.options.rounds();
    say.accept("single runs through `weft submit --wait`: 1 task, a chain of " + length
        + ", a 25x40 layered DAG; each once unmeasured, then " + rounds + (rounds == 1 ? " time" : " times"));
    try (Coordinator coordinator = cluster.startCoordinator(topics, topics.prefix() + "coordinator",
        cluster.stateDir("single"), CoordinatorOptions.DEFAULT);
        ExecutorRuntime executor = cluster.startExecutor(topics, "single-noop-1", topics.executorGroupOf("noop"),
            new NoopBackend(), ExecutorConfig.DEFAULT_MAX_CONCURRENT)) {
      List<Double> oneS = new ArrayList<>();
      List<Double> hops = new ArrayList<>();
      List<Double> chainS = new ArrayList<>();
      List<Double> layeredS = new ArrayList<>();
      Set<String> chainRuns = new HashSet<>();
      for (int i = 0; i <= rounds; i++) {
        boolean measured = i > 0;
        Submitted a = submit(topics, one);
        Submitted b = submit(topics, chain);
        Submitted c = submit(topics, layered);
        if (!measured) continue;
        oneS.add(a.seconds());
        chainS.add(b.seconds());
        hops.addAll(hopsMs(b.result()));
        chainRuns.add(b.result().path("runId").asText());
        layeredS.add(c.seconds());
        say.accept(String.format("  round %d of %d: 1 task %.2f s; chain %.2f s; layered 1,000 %.2f s", i, rounds,
            a.seconds(), b.seconds(), c.seconds()));
      }
      double hopP50 = Benchmark.median(hops);
      r.put("single_task_run_s", Benchmark.round(Benchmark.median(oneS)));
      r.put("chain_hop_p50_ms", Benchmark.round(hopP50));
      r.put("layered_1000_wall_s", Benchmark.round(Benchmark.median(layeredS)));
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("single_task_rounds_s", oneS);
      d.put("chain_tasks", length);
      d.put("chain_rounds_s", chainS);
      long[] sorted = hops.stream().mapToLong(Math::round).sorted().toArray();
      d.put("chain_hop_p99_ms", DispatchBench.percentile(sorted, 0.99));
      d.put("chain_hops", sorted.length);
      ChainHopSplit split = new ChainHopSplit();
      split.add(cluster.bootstrap, cluster.serdes, topics, "noop", chainRuns);
      Map<String, Object> legs = split.summary();
      d.put("chain_hop_legs", legs);
      say.accept("  chain hop p50 " + Benchmark.round(hopP50) + " ms; its legs' p50 (ms): "
          + String.join(", ", ChainHopSplit.LEGS.stream().map(l -> l + " " + legs.get(l + "_p50_ms")).toList()));
      d.put("layered_rounds_s", layeredS);
      d.put("executor_max_concurrent", ExecutorConfig.DEFAULT_MAX_CONCURRENT);
      details.put("single", d);
    }
  }

  private record Submitted(double seconds, JsonNode result) {}

  /** {@code weft submit FILE --wait --json}, timed from the call to the printed summary. */
  private Submitted submit(Topics topics, Path file) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    long start = System.nanoTime();
    int code = Weft.run(List.of("submit", file.toString(), "--wait", "--json", "--bootstrap", cluster.bootstrap,
        "--registry", cluster.registryUrl, "--topic-prefix", topics.prefix()),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    double seconds = (System.nanoTime() - start) / 1e9;
    if (code != 0) {
      throw new IllegalStateException("weft submit " + file.getFileName() + " --wait exited " + code + ": "
          + err.toString(StandardCharsets.UTF_8).strip());
    }
    return new Submitted(seconds, JSON.readTree(out.toString(StandardCharsets.UTF_8)));
  }

  /** Time from each chain task's end to the next one's end, as the executor stamped them. */
  private static List<Double> hopsMs(JsonNode result) {
    Map<Integer, Long> finishedAt = new java.util.TreeMap<>();
    for (JsonNode t : result.path("tasks")) {
      int i = Shapes.chainIndex(t.path("id").asText());
      if (i >= 0 && t.hasNonNull("finishedAtMs")) finishedAt.put(i, t.get("finishedAtMs").asLong());
    }
    List<Double> hops = new ArrayList<>();
    for (var e : finishedAt.entrySet()) {
      Long before = finishedAt.get(e.getKey() - 1);
      if (before != null) hops.add((double) (e.getValue() - before));
    }
    if (hops.isEmpty()) throw new IllegalStateException("the chain's summary carried no task end times: " + result);
    return hops;
  }

  private static Path write(Path dir, PipelineSpec spec) throws Exception {
    Path file = dir.resolve(spec.pipeline() + ".json");
    Files.writeString(file, PipelineSpecs.toJson(spec));
    return file;
  }
}
