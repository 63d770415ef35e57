package dev.weft.bench;

import dev.weft.coordinator.CoordinatorConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Sizes and settings of one benchmark run. Three presets ({@link #full}, {@link #quick}, {@link #tiny}); every size
 * can be overridden on the command line.
 *
 * @param mode              "full", "quick" or "tiny": printed with the figures so they are never compared across modes
 * @param runs              runs of the layered DAG in the throughput section, submitted all at once
 * @param width             tasks per layer of the throughput DAG
 * @param depth             layers of the throughput DAG
 * @param rates             offered loads (tasks/s) of the dispatch-latency section; the last one is the headline
 * @param dispatchSeconds   how long each offered load is held
 * @param largeTasks        tasks in the one large run (each shape)
 * @param baselineTasks     tasks in the small run the large one's cost per task is compared with
 * @param replayEvents      at least this many input records are re-folded by the replay section
 * @param partitions        partitions of every benchmark topic
 * @param commitIntervalMs  the coordinator's (and the passthrough's) exactly-once commit interval
 * @param threads           the coordinator's (and the passthrough's) stream threads
 * @param warmupRounds      unmeasured rounds of the throughput workload and of the passthrough first, so that figures
 *                          are of compiled code
 * @param rounds            measured rounds of the throughput workload, the passthrough and the replay; each figure is
 *                          their median, since two runs of the same code on a shared 2-core machine differ by up to 2x
 * @param bootstrap         an existing broker to use (then {@code registry} too); null starts an embedded one
 * @param registry          the schema registry URL for {@code bootstrap}
 * @param dataDir           where the embedded broker, registry and state stores keep their files
 * @param expiryRuns        runs the expiry section finishes and then lets expire
 * @param expiryRetainSeconds the expiry section's retainFinished; long enough that the first run does not expire before
 *                          the last one finishes, or the "before" figures hold fewer runs (the section reports how many)
 * @param executorTasks     process tasks the executors section runs per measurement (container tasks: a fifth)
 * @param chainLength       tasks in the single section's chain, whose hops give chain_hop_p50_ms
 * @param millionTasks      tasks in each run of the million section: one map of that many, and maps of its square
 *                          root in a chain
 */
public record BenchOptions(
    String mode,
    int runs,
    int width,
    int depth,
    List<Integer> rates,
    int dispatchSeconds,
    int largeTasks,
    int baselineTasks,
    long replayEvents,
    int partitions,
    long commitIntervalMs,
    int threads,
    int warmupRounds,
    int rounds,
    String bootstrap,
    String registry,
    Path dataDir,
    int expiryRuns,
    int expiryRetainSeconds,
    int executorTasks,
    int chainLength,
    int millionTasks) {

  /** The sizes: 50,000 throughput tasks, a 100,000-task run, a 1,000,000-event replay. */
  public static BenchOptions full(Path dataDir) {
    // Six warm-up rounds: on two cores the rate still climbs through the fourth (JIT), and levels off by the sixth.
    return new BenchOptions("full", 50, 100, 10, List.of(200, 1000), 30, 100_000, 1_000, 1_000_000, 4,
        CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS, 1, 6, 3, null, null, dataDir, 10_000, 60, 2_000, 200, 1_000_000);
  }

  /** Under two minutes on a quiet 2-core machine; dispatch latency at the headline load only. */
  public static BenchOptions quick(Path dataDir) {
    return new BenchOptions("quick", 20, 50, 10, List.of(1000), 5, 20_000, 1_000, 200_000, 4,
        CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS, 1, 3, 1, null, null, dataDir, 10_000, 60, 500, 200, 100_000);
  }

  /** Seconds, for the smoke test: every section runs, none of the figures means anything. */
  public static BenchOptions tiny(Path dataDir) {
    return new BenchOptions("tiny", 2, 5, 3, List.of(50), 2, 400, 100, 500, 2, CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS,
        1, 0, 1, null, null, dataDir, 20, 3, 20, 10, 400);
  }

  /** Tasks in one throughput run. */
  public int tasksPerRun() {
    return width * depth;
  }

  /** This, with option {@code --key} set to {@code value}. */
  public BenchOptions with(String key, String value) {
    Builder b = new Builder(this);
    switch (key) {
      case "runs" -> b.runs = Integer.parseInt(value);
      case "width" -> b.width = Integer.parseInt(value);
      case "depth" -> b.depth = Integer.parseInt(value);
      case "rate" -> b.rates = Arrays.stream(value.split(",")).map(String::trim).map(Integer::valueOf).toList();
      case "dispatch-seconds" -> b.dispatchSeconds = Integer.parseInt(value);
      case "large-tasks" -> b.largeTasks = Integer.parseInt(value);
      case "baseline-tasks" -> b.baselineTasks = Integer.parseInt(value);
      case "replay-events" -> b.replayEvents = Long.parseLong(value);
      case "partitions" -> b.partitions = Integer.parseInt(value);
      case "commit-interval-ms" -> b.commitIntervalMs = Long.parseLong(value);
      case "threads" -> b.threads = Integer.parseInt(value);
      case "warmup-rounds" -> b.warmupRounds = Integer.parseInt(value);
      case "rounds" -> b.rounds = Integer.parseInt(value);
      case "bootstrap" -> b.bootstrap = value;
      case "registry" -> b.registry = value;
      case "data-dir" -> b.dataDir = Path.of(value).toAbsolutePath();
      case "expiry-runs" -> b.expiryRuns = Integer.parseInt(value);
      case "expiry-retain-seconds" -> b.expiryRetainSeconds = Integer.parseInt(value);
      case "executor-tasks" -> b.executorTasks = Integer.parseInt(value);
      case "chain-length" -> b.chainLength = Integer.parseInt(value);
      case "million-tasks" -> b.millionTasks = Integer.parseInt(value.replace("_", ""));
      default -> throw new IllegalArgumentException("unknown option --" + key);
    }
    return b.build();
  }

  /** @throws IllegalArgumentException naming the option that is out of range */
  public void validate() {
    if (runs < 1 || width < 2 || depth < 1) throw new IllegalArgumentException("need --runs >= 1, --width >= 2, --depth >= 1");
    if (rates.isEmpty() || rates.stream().anyMatch(r -> r < 1)) throw new IllegalArgumentException("--rate must be positive");
    if (dispatchSeconds < 1) throw new IllegalArgumentException("--dispatch-seconds must be at least 1");
    if (largeTasks < 10 || baselineTasks < 10) throw new IllegalArgumentException("--large-tasks and --baseline-tasks must be at least 10");
    if (partitions < 1) throw new IllegalArgumentException("--partitions must be at least 1");
    if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1");
    if (warmupRounds < 0) throw new IllegalArgumentException("--warmup-rounds must be 0 or more");
    if (rounds < 1) throw new IllegalArgumentException("--rounds must be at least 1");
    if (expiryRuns < 1 || expiryRetainSeconds < 1) {
      throw new IllegalArgumentException("--expiry-runs and --expiry-retain-seconds must be at least 1");
    }
    if (executorTasks < 10) throw new IllegalArgumentException("--executor-tasks must be at least 10");
    if (chainLength < 2) throw new IllegalArgumentException("--chain-length must be at least 2");
    if (millionTasks < 100) throw new IllegalArgumentException("--million-tasks must be at least 100");
    if ((bootstrap == null) != (registry == null)) {
      throw new IllegalArgumentException("--bootstrap and --registry go together (an existing broker needs its registry)");
    }
  }

  /** The options being parsed, one field per component. */
  private static final class Builder {
    private final String mode;
    private int runs;
    private int width;
    private int depth;
    private List<Integer> rates;
    private int dispatchSeconds;
    private int largeTasks;
    private int baselineTasks;
    private long replayEvents;
    private int partitions;
    private long commitIntervalMs;
    private int threads;
    private int warmupRounds;
    private int rounds;
    private String bootstrap;
    private String registry;
    private Path dataDir;
    private int expiryRuns;
    private int expiryRetainSeconds;
    private int executorTasks;
    private int chainLength;
    private int millionTasks;

    Builder(BenchOptions o) {
      mode = o.mode;
      runs = o.runs;
      width = o.width;
      depth = o.depth;
      rates = o.rates;
      dispatchSeconds = o.dispatchSeconds;
      largeTasks = o.largeTasks;
      baselineTasks = o.baselineTasks;
      replayEvents = o.replayEvents;
      partitions = o.partitions;
      commitIntervalMs = o.commitIntervalMs;
      threads = o.threads;
      warmupRounds = o.warmupRounds;
      rounds = o.rounds;
      bootstrap = o.bootstrap;
      registry = o.registry;
      dataDir = o.dataDir;
      expiryRuns = o.expiryRuns;
      expiryRetainSeconds = o.expiryRetainSeconds;
      executorTasks = o.executorTasks;
      chainLength = o.chainLength;
      millionTasks = o.millionTasks;
    }

    BenchOptions build() {
      return new BenchOptions(mode, runs, width, depth, rates, dispatchSeconds, largeTasks, baselineTasks, replayEvents,
          partitions, commitIntervalMs, threads, warmupRounds, rounds, bootstrap, registry, dataDir, expiryRuns,
          expiryRetainSeconds, executorTasks, chainLength, millionTasks);
    }
  }
}
