package dev.weft.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorReplay;
import dev.weft.coordinator.topology.CatchUp;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * {@code weft bench}: measures Weft's orchestration on the embedded broker, through the real topics, the real
 * coordinator and a real noop executor group. Sections, in order: throughput of many layered runs; one large run
 * as a fan-out/fan-in and as a layered DAG (time, heap, state store, cost per task against a 1,000-task run);
 * replay of the log those runs left into empty stores; dispatch latency at fixed offered loads; the limit,
 * a Kafka Streams passthrough that moves the same records per task and decides nothing; and expiry, the
 * coordinator's store and heap once many runs have finished and once they have expired ({@link ExpiryBench}).
 *
 * <p>The coordinator and executors run in this JVM, so the heap figures are this JVM's (coordinator, executor and
 * the benchmark's own small clients). Progress goes to stderr; stdout carries the table or, with {@code --json},
 * one JSON object.
 */
public final class Benchmark {
  /** Every section, in the order they run; {@code --sections} picks some (the limit needs the throughput section). */
  public static final List<String> SECTIONS = List.of("throughput", "large", "replay", "dispatch", "limit", "expiry",
      "single", "executors", "startup", "million");
  private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(15);

  private final BenchOptions o;
  private final Set<String> sections;
  private final PrintStream progress;

  private Benchmark(BenchOptions options, Set<String> sections, PrintStream progress) {
    this.o = options;
    this.sections = sections;
    this.progress = progress;
  }

  /**
   * Runs the benchmark and prints its result: the table, or with {@code json} one JSON object. The data directory
   * goes afterwards unless {@code keepData} (the caller gave {@code --data-dir}).
   *
   * @param sections some of {@link #SECTIONS}, in any order; they run in that order
   * @return the figures that missed their target ({@link BenchTargets}), empty when all that were measured met it
   */
  public static List<String> run(BenchOptions options, Set<String> sections, boolean json, boolean keepData,
      PrintStream out, PrintStream err) throws Exception {
    try {
      Map<String, Object> result = new Benchmark(options, sections, err).measure();
      Map<String, String> verdicts = BenchTargets.judge(result);
      Map<String, Object> targets = new LinkedHashMap<>();
      verdicts.forEach((figure, verdict) -> targets.put(figure,
          Map.of("target", BenchTargets.of(figure).text(), "verdict", verdict)));
      result.put("targets", targets);
      if (json) out.println(JSON.writeValueAsString(result));
      else out.print(BenchTable.render(result));
      return BenchTargets.missed(verdicts);
    } finally {
      if (!keepData) deleteQuietly(options.dataDir());
    }
  }

  private Map<String, Object> measure() throws Exception {
    Instant startedAt = Instant.now();
    long t0 = System.nanoTime();
    Map<String, Object> r = new LinkedHashMap<>();
    Map<String, Object> details = new LinkedHashMap<>();
    say("mode " + o.mode() + "; starting " + (o.bootstrap() == null ? "an embedded broker and registry in " + o.dataDir()
        : "on the broker at " + o.bootstrap()));
    try (BenchCluster cluster = new BenchCluster(o)) {
      if (java.util.Collections.disjoint(sections, Set.of("throughput", "large", "replay"))) {
        // Nothing needs the main coordinator: the sections that remain start what they measure.
        sectionsOfTheirOwn(cluster, r, details);
        return settings(r, details, startedAt, t0);
      }
      Topics main = cluster.topics("main");
      cluster.createTopics(main);
      Coordinator coordinator = cluster.startCoordinator(main, main.prefix() + "coordinator", cluster.stateDir("main"),
          CoordinatorOptions.DEFAULT);
      ExecutorRuntime executor = cluster.startNoopExecutor(main, "bench-noop-1");
      RunWatcher watcher = new RunWatcher(cluster.bootstrap, cluster.serdes, main);
      long processedMain;
      try {
        if (sections.contains("throughput")) throughput(cluster, main, watcher, coordinator, r, details);
        // Large runs come before the replay, whose log they grow.
        if (sections.contains("large")) largeRuns(cluster, main, watcher, r, details);
        // The replay needs a log of a given size: grow it with more real runs until it has that many records.
        if (sections.contains("replay")) fillLog(cluster, main, watcher, coordinator);
        processedMain = coordinator.stats().processed();
      } finally {
        watcher.close();
        executor.close();
        coordinator.close();
      }
      if (sections.contains("replay")) replays(cluster, main, processedMain, r, details);
      sectionsOfTheirOwn(cluster, r, details);
    }
    return settings(r, details, startedAt, t0);
  }

  /** The sections that start their own coordinator (or need none), after the main coordinator has stopped. */
  private void sectionsOfTheirOwn(BenchCluster cluster, Map<String, Object> r, Map<String, Object> details)
      throws Exception {
    if (sections.contains("dispatch")) dispatch(cluster, r, details);
    if (sections.contains("expiry")) r.putAll(new ExpiryBench(cluster, this::say).run());
    if (sections.contains("single")) new SingleRunBench(cluster, this::say).run(r, details);
    if (sections.contains("executors")) new ExecutorBench(cluster, this::say).run(r, details);
    if (sections.contains("startup")) new StartupBench(cluster, this::say).run(r, details);
    if (sections.contains("million")) new MillionBench(cluster, this::say).run(r, details);
  }

  /** Adds the settings the figures were measured with, and the details, to {@code r}. */
  private Map<String, Object> settings(Map<String, Object> r, Map<String, Object> details, Instant startedAt, long t0) {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("mode", o.mode());
    settings.put("sections", List.copyOf(sections));
    settings.put("date", startedAt.toString());
    settings.put("total_s", round((System.nanoTime() - t0) / 1e9));
    settings.put("broker", o.bootstrap() == null ? "embedded single KRaft broker (child JVM)" : o.bootstrap());
    settings.put("partitions", o.partitions());
    settings.put("commit_interval_ms", o.commitIntervalMs());
    settings.put("processing_guarantee", "exactly_once_v2");
    settings.put("coordinator_stream_threads", o.threads());
    settings.put("warmup_rounds", o.warmupRounds());
    settings.put("measured_rounds", o.rounds());
    settings.put("noop_executor_instances", 1);
    settings.put("cores", Runtime.getRuntime().availableProcessors());
    settings.put("load_average_at_end", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    settings.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
    r.put("settings", settings);
    r.put("details", details);
    return r;
  }

  /**
   * Section 1, after the warm-up rounds, and with {@code limit} the passthrough interleaved with it: warm-up rounds
   * of both, then measured rounds alternating, a throughput round and a passthrough round, so that both sides of
   * {@code limit_ratio} are measured in the same phase of the machine (a slow spell hits both).
   */
  private void throughput(BenchCluster cluster, Topics main, RunWatcher watcher, Coordinator coordinator,
      Map<String, Object> r, Map<String, Object> details) throws Exception {
    int tasks = o.runs() * o.tasksPerRun();
    boolean limit = sections.contains("limit");
    say("throughput: " + o.runs() + " runs of a " + o.width() + "x" + o.depth() + " layered DAG (" + tasks + " tasks), after "
        + o.warmupRounds() + " warm-up rounds of the same" + (limit ? "; the passthrough interleaved with it" : ""));
    // JIT compilation of the coordinator, the clients and the broker takes a minute of CPU on two cores; the
    // figures are of compiled code, as JMH measures after warm-up iterations. The warm-up rounds also tell the
    // records the coordinator reads and writes per task, which the passthrough then moves.
    Map<String, Double> before = flow(coordinator);
    List<Double> warmup = new ArrayList<>();
    int shapeRounds = Math.max(1, o.warmupRounds());
    for (int w = 0; w < shapeRounds; w++) {
      double ws = runAll(cluster, main, watcher, Shapes.layered("bench-warmup", o.width(), o.depth()), o.runs(), "warm" + w);
      warmup.add(round(tasks / ws));
      say(String.format("  warm-up round %d of %d: %.0f tasks/s", w + 1, shapeRounds, warmup.get(w)));
    }
    Map<String, Object> shape = recordsPerTask(before, flow(coordinator), tasks * shapeRounds);
    Passthrough passthrough = limit ? new Passthrough(new PassthroughBench(cluster), shape, tasks) : null;
    if (passthrough != null) {
      for (int i = 1; i <= o.warmupRounds(); i++) {
        double w = passthrough.round("warmup" + i);
        say(String.format("  passthrough warm-up round %d of %d: %.0f tasks/s", i, o.warmupRounds(), w));
      }
    }
    Map<String, Double> trafficBefore = ClientTraffic.snapshot();
    List<Double> rounds = new ArrayList<>();
    List<Double> cpuPerTask = new ArrayList<>();
    for (int i = 0; i < o.rounds(); i++) {
      long cpuBefore = StreamThreadCpu.nanos(coordinator.streams());
      double seconds = runAll(cluster, main, watcher, Shapes.layered("bench-layered", o.width(), o.depth()), o.runs(), "tp" + i);
      cpuPerTask.add(round((StreamThreadCpu.nanos(coordinator.streams()) - cpuBefore) / 1e3 / tasks));
      rounds.add(round(tasks / seconds));
      say(String.format("  round %d of %d: %.0f tasks/s (%.1f s; the stream thread's CPU %.1f µs a task)", i + 1,
          o.rounds(), tasks / seconds, seconds, cpuPerTask.get(i)));
      if (passthrough != null) {
        double p = passthrough.round("measured" + (i + 1));
        say(String.format("  passthrough round %d of %d: %.0f tasks/s", i + 1, o.rounds(), p));
      }
    }
    if (System.getenv("WEFT_BENCH_TRAFFIC") != null) {
      ClientTraffic.delta(trafficBefore, ClientTraffic.snapshot()).forEach((k, v) -> say(String.format("  %-90s %10.0f", k, v)));
    }
    double throughput = median(rounds);
    r.put("throughput_tasks_per_s", round(throughput));
    r.put("coordinator_cpu_us_per_task", median(cpuPerTask));
    details.put("throughput", Map.of("runs", o.runs(), "tasks", tasks, "rounds_tasks_per_s", rounds,
        "records_per_task", shape, "warmup_tasks_per_s", warmup, "rounds_cpu_us_per_task", cpuPerTask));
    if (o.rounds() > 1) say(String.format("  median %.0f tasks/s", throughput));
    if (passthrough != null) {
      double p = median(passthrough.rounds);
      r.put("passthrough_tasks_per_s", round(p));
      // Median over median; four decimals: with tiny sizes the ratio is far below 0.01.
      r.put("limit_ratio", Math.round(throughput / p * 10_000) / 10_000.0);
      details.put("passthrough", Map.of("inputs", passthrough.last.inputs(), "outputs", passthrough.last.outputs(),
          "rounds_tasks_per_s", passthrough.rounds, "warmup_tasks_per_s", passthrough.warmup));
    }
  }

  /** Section 5, the limit: the passthrough that moves the coordinator's records per task and decides nothing. */
  private static final class Passthrough {
    final PassthroughBench bench;
    final long tasks;
    final double in;
    final double out;
    final int inBytes;
    final int outBytes;
    final List<Double> warmup = new ArrayList<>();
    final List<Double> rounds = new ArrayList<>();
    PassthroughBench.Result last;

    Passthrough(PassthroughBench bench, Map<String, Object> shape, long tasks) {
      this.bench = bench;
      this.tasks = tasks;
      in = (double) shape.get("in");
      out = (double) shape.get("out");
      inBytes = (int) Math.round((double) shape.get("in_bytes"));
      outBytes = (int) Math.round((double) shape.get("out_bytes"));
    }

    /** One round; a name starting "warmup" is not measured. */
    double round(String name) throws Exception {
      PassthroughBench.Result p = bench.run(name, tasks, in, out, inBytes, outBytes);
      double rate = Benchmark.round(p.tasksPerS());
      if (name.startsWith("warmup")) warmup.add(rate);
      else {
        rounds.add(rate);
        last = p;
      }
      return rate;
    }
  }

  /** Section 3: one large run of each shape against a 1,000-task run of the same shape. */
  private void largeRuns(BenchCluster cluster, Topics main, RunWatcher watcher, Map<String, Object> r,
      Map<String, Object> details) throws Exception {
    List<Map<String, Object>> large = new ArrayList<>();
    large.add(largeRun(cluster, main, watcher, "fan-out/fan-in", n -> Shapes.fanOutIn("bench-fan", n)));
    large.add(largeRun(cluster, main, watcher, "layered", n -> Shapes.layered("bench-large",
        Shapes.layeredWidth(n), n / Shapes.layeredWidth(n))));
    details.put("large_runs", large);
    r.put("large_run_tasks", large.stream().mapToInt(m -> (int) m.get("tasks")).max().orElse(0));
    r.put("large_run_s", large.stream().mapToDouble(m -> (double) m.get("seconds")).max().orElse(0));
    // The heap the coordinator needs is what is live: heap in use also counts garbage not yet collected, which grows
    // with -Xmx (6 GB by default here) and with speed, not with the run. Both are reported.
    r.put("large_run_heap_mb", large.stream().mapToDouble(m -> (double) m.get("heap_peak_after_gc_mb")).max().orElse(0));
    r.put("large_run_heap_in_use_mb", large.stream().mapToDouble(m -> (double) m.get("heap_peak_mb")).max().orElse(0));
    r.put("per_task_cost_ratio", large.stream().mapToDouble(m -> (double) m.get("per_task_cost_ratio")).max().orElse(0));
    r.put("state_store_mb", round(directoryBytes(cluster.stateDir("main")) / (1024.0 * 1024.0)));
  }

  /**
   * Section 2: dispatch latency at each offered load (the last one is the headline), and at each load Kafka's two
   * floors under the same pacer and reader (a bare exactly-once relay committing eagerly, and one committing on the
   * coordinator's interval), then one hop at a time. The coordinator is judged against the better floor per
   * percentile, at every load; the figure is the worst load's ratio. Beside them, not floors the target is judged
   * by: the batching relay writing every record the coordinator wrote a task at that load, which parts the gap into
   * what the records cost Kafka and what deciding and Kafka Streams' commits add; and the same hop as a Kafka Streams
   * application writing those records, which parts the rest into Streams' commit loop and Weft's own work.
   */
  private void dispatch(BenchCluster cluster, Map<String, Object> r, Map<String, Object> details) throws Exception {
    List<Map<String, Object>> dispatch = new ArrayList<>();
    // Unmeasured first: the first coordinator of the section measured p50 41-43 ms and p99 106-112 at 1,000 tasks/s
    // where the same load right after it measured 28 and 68 (docs/performance.md).
    int warmupSeconds = Math.max(1, (o.dispatchSeconds() + 2) / 3);
    int headlineRate = o.rates().get(o.rates().size() - 1);
    say("dispatch warm-up at " + headlineRate + " tasks/s for " + warmupSeconds + " s (not measured)");
    new DispatchBench(cluster).run(DispatchBench.Dispatcher.COORDINATOR, headlineRate, warmupSeconds);
    DispatchBench.Result headline = null;
    DispatchBench.Result eager = null;
    DispatchBench.Result batching = null;
    DispatchBench.Result records = null;
    DispatchBench.Result streamsRelay = null;
    double worstP50Ratio = 0;
    double worstP99Ratio = 0;
    int missing = 0;
    for (int rate : o.rates()) {
      say("dispatch latency at " + rate + " tasks/s for " + o.dispatchSeconds() + " s (the benchmark plays executor)");
      headline = new DispatchBench(cluster).run(DispatchBench.Dispatcher.COORDINATOR, rate, o.dispatchSeconds());
      Map<String, Object> atRate = new LinkedHashMap<>(latency(headline));
      say("  the floor at " + rate + " tasks/s: a bare exactly-once relay committing at once");
      eager = new DispatchBench(cluster).run(DispatchBench.Dispatcher.RELAY, rate, o.dispatchSeconds());
      atRate.put("floor_eager", latency(eager));
      say("  the floor at " + rate + " tasks/s: the relay committing every " + o.commitIntervalMs() + " ms, as Streams does");
      batching = new DispatchBench(cluster).run(DispatchBench.Dispatcher.BATCHING_RELAY, rate, o.dispatchSeconds());
      atRate.put("floor_batching", latency(batching));
      say("  the relay committing every " + o.commitIntervalMs() + " ms and writing what the coordinator wrote a task");
      records = new DispatchBench(cluster, headline.transactions().writesPerTask())
          .run(DispatchBench.Dispatcher.RECORDS_RELAY, rate, o.dispatchSeconds());
      atRate.put("relay_with_coordinator_records", latency(records));
      atRate.put("p50_vs_relay_with_coordinator_records", round(headline.p50() / Math.max(1, records.p50())));
      say("  the same hop as a Kafka Streams application on the coordinator's settings, writing what it wrote a task");
      streamsRelay = new DispatchBench(cluster, headline.transactions().writesPerTask())
          .run(DispatchBench.Dispatcher.STREAMS_RELAY, rate, o.dispatchSeconds());
      atRate.put("streams_relay", latency(streamsRelay));
      atRate.put("p50_vs_streams_relay", round(headline.p50() / Math.max(1, streamsRelay.p50())));
      atRate.put("p99_vs_streams_relay", round(headline.p99() / Math.max(1, streamsRelay.p99())));
      double p50Ratio = headline.p50() / Math.max(1, Math.min(eager.p50(), batching.p50()));
      double p99Ratio = headline.p99() / Math.max(1, Math.min(eager.p99(), batching.p99()));
      atRate.put("p50_vs_better_floor", round(p50Ratio));
      atRate.put("p99_vs_better_floor", round(p99Ratio));
      say(String.format("  the coordinator against the better floor: p50 %.2fx, p99 %.2fx", p50Ratio, p99Ratio));
      worstP50Ratio = Math.max(worstP50Ratio, p50Ratio);
      worstP99Ratio = Math.max(worstP99Ratio, p99Ratio);
      missing += headline.missing();
      dispatch.add(atRate);
    }
    r.put("dispatch_p50_ms", headline.p50());
    r.put("dispatch_p99_ms", headline.p99());
    r.put("dispatch_max_ms", headline.max());
    r.put("dispatch_rate_tasks_per_s", headline.offeredRate());
    r.put("dispatch_missing_samples", missing);
    r.put("dispatch_floor_p50_ms", eager.p50());
    r.put("dispatch_floor_p99_ms", eager.p99());
    r.put("dispatch_batching_floor_p50_ms", batching.p50());
    r.put("dispatch_batching_floor_p99_ms", batching.p99());
    r.put("dispatch_relay_with_coordinator_records_p50_ms", records.p50());
    r.put("dispatch_relay_with_coordinator_records_p99_ms", records.p99());
    r.put("dispatch_streams_relay_p50_ms", streamsRelay.p50());
    r.put("dispatch_streams_relay_p99_ms", streamsRelay.p99());
    r.put("dispatch_p50_vs_floor", round(worstP50Ratio));
    r.put("dispatch_p99_vs_floor", round(worstP99Ratio));
    details.put("dispatch", dispatch);

    say("dispatch floor, one hop at a time, for " + o.dispatchSeconds() + " s: the eager relay fed one task at a time");
    DispatchBench.Result idle = new DispatchBench(cluster).idleHop(o.dispatchSeconds());
    r.put("dispatch_idle_hop_p50_ms", idle.p50());
    details.put("dispatch_floor", Map.of("at_load", figures(eager), "batching_at_load", figures(batching),
        "one_hop_at_a_time", latency(idle)));
  }

  private Map<String, Object> latency(DispatchBench.Result d) {
    say(String.format("  p50 %.0f ms, p99 %.0f ms, max %.0f ms over %d samples, %d missing (achieved %.0f tasks/s)",
        d.p50(), d.p99(), d.max(), d.samples(), d.missing(), d.achievedRate()));
    say("    " + d.transactions().describe());
    return figures(d);
  }

  private static Map<String, Object> figures(DispatchBench.Result d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("offered_tasks_per_s", d.offeredRate());
    m.put("achieved_tasks_per_s", round(d.achievedRate()));
    m.put("samples", d.samples());
    m.put("missing_samples", d.missing());
    m.put("p50_ms", d.p50());
    m.put("p99_ms", d.p99());
    m.put("max_ms", d.max());
    m.put("transactions", d.transactions().figures());
    return m;
  }

  private double runAll(BenchCluster cluster, Topics topics, RunWatcher watcher, PipelineSpec spec, int count, String tag)
      throws Exception {
    return cluster.runAll(topics, watcher, spec, count, tag, RUN_TIMEOUT);
  }

  /**
   * One large run of a shape, against runs of the same shape at {@code baselineTasks} in the same regime: as many of
   * them at once as make up the large run's tasks (at most 20), so that both sides are bound by throughput. One
   * small run alone is bound by its hops' latency instead, which made the ratio unable to fail; its time is still
   * reported ({@code alone_baseline_seconds}).
   */
  private Map<String, Object> largeRun(BenchCluster cluster, Topics topics, RunWatcher watcher, String name,
      java.util.function.IntFunction<PipelineSpec> shape) throws Exception {
    PipelineSpec small = shape.apply(o.baselineTasks());
    PipelineSpec big = shape.apply(o.largeTasks());
    int together = Math.max(1, Math.min(20, big.tasks().size() / small.tasks().size()));
    say("large run, " + name + ": " + small.tasks().size() + " tasks alone, then " + together + " such runs at once (twice, "
        + "the first unmeasured), then " + big.tasks().size() + " tasks");
    char c = name.charAt(0);
    double aloneS = runAll(cluster, topics, watcher, small, 1, "base-" + c);
    // Once unmeasured, as the million section does: run first in a fresh JVM (`--sections large`), the baseline ran
    // at a third of its warm speed (6-7 s against 2 s, 2026-12-03) and flattered the ratio to under 1, while the big
    // run warms up within its own first seconds.
    runAll(cluster, topics, watcher, small, together, "basew-" + c);
    double togetherS = runAll(cluster, topics, watcher, small, together, "basen-" + c);
    double bigS;
    double heap;
    double heapAfterGc;
    try (HeapSampler sampler = new HeapSampler()) {
      bigS = runAll(cluster, topics, watcher, big, 1, "large-" + c);
      heap = sampler.peakUsedMb();
      heapAfterGc = sampler.peakAfterGcMb();
    }
    double ratio = (bigS / big.tasks().size()) / (togetherS / ((double) together * small.tasks().size()));
    say(String.format("  %.1f s (%.0f tasks/s); %d x %d tasks at once %.2f s (%.0f tasks/s); %d tasks alone %.2f s; "
            + "cost per task ratio %.2f; heap peak %.0f MB (after GC %.0f MB)", bigS, big.tasks().size() / bigS,
        together, small.tasks().size(), togetherS, together * small.tasks().size() / togetherS, small.tasks().size(),
        aloneS, ratio, heap, heapAfterGc));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("shape", name);
    m.put("tasks", big.tasks().size());
    m.put("seconds", round(bigS));
    m.put("baseline_tasks", small.tasks().size());
    m.put("baseline_runs_at_once", together);
    m.put("baseline_seconds", round(togetherS));
    m.put("alone_baseline_seconds", round(aloneS));
    m.put("per_task_cost_ratio", round(ratio));
    m.put("heap_peak_mb", round(heap));
    m.put("heap_peak_after_gc_mb", round(heapAfterGc));
    m.put("spec_bytes", PipelineSpecs.toJson(big).length());
    return m;
  }

  private void fillLog(BenchCluster cluster, Topics topics, RunWatcher watcher, Coordinator coordinator) throws Exception {
    long have = coordinator.stats().processed();
    if (have >= o.replayEvents()) return;
    say("growing the log to " + o.replayEvents() + " records for the replay (has " + have + ")");
    int batch = 0;
    // A 1,000-task layered run adds a little over 2,000 records (STARTED and SUCCEEDED per task, and its request).
    while ((have = coordinator.stats().processed()) < o.replayEvents()) {
      long missingRuns = (o.replayEvents() - have) / (2L * o.tasksPerRun()) + 1;
      int runs = (int) Math.min(50, missingRuns);
      runAll(cluster, topics, watcher, Shapes.layered("bench-fill", o.width(), o.depth()), runs, "fill" + batch++);
    }
  }

  /** Section 4: {@code rounds} replays of the same log, each by a new application into empty stores; the median. */
  private void replays(BenchCluster cluster, Topics main, long target, Map<String, Object> r, Map<String, Object> details)
      throws Exception {
    say("replay: a new coordinator re-folds the " + target + " records of the log into empty stores, " + o.rounds()
        + (o.rounds() == 1 ? " time" : " times"));
    List<Double> rounds = new ArrayList<>();
    List<Map<String, Object>> each = new ArrayList<>();
    for (int i = 1; i <= o.rounds(); i++) {
      Map<String, Object> d = replay(cluster, main, target, "replay" + i);
      rounds.add((double) d.get("records_per_s"));
      each.add(d);
      say(String.format("  round %d of %d: %.0f records/s (%.1f s; %d commands held back; the stream thread's CPU "
          + "%.1f µs a record)", i, o.rounds(), d.get("records_per_s"), d.get("seconds"), d.get("suppressed_commands"),
          d.get("cpu_us_per_record")));
    }
    double replay = median(rounds);
    r.put("replay_events_per_s", round(replay));
    r.put("replay_cpu_us_per_record", median(each.stream().map(d -> (double) d.get("cpu_us_per_record")).toList()));
    details.put("replay", Map.of("records", target, "rounds", each));
    if (o.rounds() > 1) say(String.format("  median %.0f records/s", replay));
  }

  private Map<String, Object> replay(BenchCluster cluster, Topics main, long target, String name) throws Exception {
    Map<String, Long> ends = cluster.endOffsets(List.of(main.requests(), main.taskEvents()));
    CatchUp boundary = CatchUp.until(ends);
    CoordinatorOptions catchUp = CoordinatorOptions.DEFAULT.withCatchUp(boundary);
    // Catching up commits as `weft replay` does (CoordinatorReplay): each changed key is written once per commit.
    try (Coordinator replay = cluster.startCoordinator(main, main.prefix() + name, cluster.stateDir(name), catchUp,
        Math.max(o.commitIntervalMs(), CoordinatorReplay.CATCH_UP_COMMIT_INTERVAL_MS))) {
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      long cpuBefore = StreamThreadCpu.nanos(replay.streams());
      long first = 0;
      long n;
      while ((n = replay.stats().processed()) < target) {
        if (first == 0 && n > 0) first = System.nanoTime();
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the replay folded " + n + " of " + target + " records within " + RUN_TIMEOUT);
        }
        Thread.sleep(2);
      }
      if (first == 0) first = System.nanoTime();
      // Folded is not yet durable: the clock stops when the replay's offsets are committed, its state with them.
      while (cluster.folded(main.prefix() + name, ends) < ends.values().stream().mapToLong(Long::longValue).sum()) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("the replay did not commit within " + RUN_TIMEOUT);
        Thread.sleep(5);
      }
      long cpu = StreamThreadCpu.nanos(replay.streams()) - cpuBefore;
      boundary.finish();
      double seconds = Math.max(1e-3, (System.nanoTime() - first) / 1e9);
      double rate = target / seconds;
      if (replay.stats().commands() > 0) {
        throw new IllegalStateException("the replay published " + replay.stats().commands() + " commands while catching up");
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("records_per_s", round(rate));
      d.put("seconds", round(seconds));
      d.put("suppressed_commands", replay.stats().suppressedCommands());
      d.put("cpu_us_per_record", round(cpu / 1e3 / target));
      return d;
    }
  }

  /** The coordinator's Kafka traffic so far: records and bytes read by its main consumer and sent by its producer. */
  private static Map<String, Double> flow(Coordinator c) {
    Map<MetricName, ? extends Metric> m = c.streams().metrics();
    Map<String, Double> f = new LinkedHashMap<>();
    Predicate<MetricName> mainConsumer = n -> n.tags().getOrDefault("client-id", "").endsWith("-consumer")
        && !n.tags().get("client-id").endsWith("restore-consumer") && !n.tags().containsKey("topic");
    f.put("in", sum(m, "consumer-fetch-manager-metrics", "records-consumed-total", mainConsumer));
    f.put("in_bytes", sum(m, "consumer-fetch-manager-metrics", "bytes-consumed-total", mainConsumer));
    f.put("out", sum(m, "producer-metrics", "record-send-total", n -> true));
    f.put("out_bytes", sum(m, "producer-topic-metrics", "byte-total", n -> true));
    return f;
  }

  private static double sum(Map<MetricName, ? extends Metric> metrics, String group, String name, Predicate<MetricName> which) {
    double s = 0;
    for (var e : metrics.entrySet()) {
      MetricName n = e.getKey();
      if (n.group().equals(group) && n.name().equals(name) && which.test(n) && e.getValue().metricValue() instanceof Double d) s += d;
    }
    return s;
  }

  private static Map<String, Object> recordsPerTask(Map<String, Double> before, Map<String, Double> after, int tasks) {
    double in = after.get("in") - before.get("in");
    double out = after.get("out") - before.get("out");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("in", round(in / tasks));
    m.put("out", round(out / tasks));
    m.put("in_bytes", round(in == 0 ? 0 : (after.get("in_bytes") - before.get("in_bytes")) / in));
    m.put("out_bytes", round(out == 0 ? 0 : (after.get("out_bytes") - before.get("out_bytes")) / out));
    return m;
  }

  private void say(String s) {
    progress.println("weft bench: " + s);
    progress.flush();
  }

  /** The middle value (the mean of the two middle ones for an even count). */
  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  static long directoryBytes(Path dir) {
    if (!Files.exists(dir)) return 0;
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // a RocksDB file deleted by compaction while walking
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      System.err.println("weft bench: could not delete " + dir + ": " + e.getMessage());
    }
  }
}
