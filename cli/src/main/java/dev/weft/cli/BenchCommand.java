package dev.weft.cli;

import dev.weft.bench.BenchOptions;
import dev.weft.bench.Benchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weft bench}: the benchmark's options ({@link Benchmark} measures). A size preset ({@code --quick},
 * {@code --tiny}, the full run by default), then any setting of it overridden one by one.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure throughput, dispatch latency, a large run, replay, expiry, the Kafka Streams limit, single "
        + "runs and real executors on an embedded broker, each figure beside its floor and target (docs/performance.md).", "Progress goes to stderr; the table or --json to stdout."})
final class BenchCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Option(names = "--quick", description = "the quick preset: under two minutes")
  boolean quick;

  @Option(names = "--tiny", description = "the tiny preset: a smoke test")
  boolean tiny;

  @Option(names = "--full", description = "the full preset (the default)")
  boolean full;

  @Option(names = "--json", description = "print one JSON object instead of the table")
  boolean json;

  @Option(names = "--check", description = "exit " + Weft.TARGET_MISSED + " when a figure measured missed its target")
  boolean check;

  @Option(names = "--sections", paramLabel = "LIST",
      description = "some of throughput,large,replay,dispatch,limit,expiry,single,executors,startup,million (limit needs "
          + "throughput)")
  String sections;

  @Option(names = "--rate", paramLabel = "R1,R2", description = "offered loads of the dispatch section, tasks/s")
  String rate;

  @Option(names = "--runs", paramLabel = "N") Integer runs;
  @Option(names = "--width", paramLabel = "W") Integer width;
  @Option(names = "--depth", paramLabel = "D") Integer depth;
  @Option(names = "--large-tasks", paramLabel = "N") Integer largeTasks;
  @Option(names = "--baseline-tasks", paramLabel = "N") Integer baselineTasks;
  @Option(names = "--replay-events", paramLabel = "N") Long replayEvents;
  @Option(names = "--dispatch-seconds", paramLabel = "S") Integer dispatchSeconds;
  @Option(names = "--partitions", paramLabel = "P") Integer partitions;
  @Option(names = "--commit-interval-ms", paramLabel = "MS") Long commitIntervalMs;
  @Option(names = "--threads", paramLabel = "T") Integer threads;
  @Option(names = "--warmup-rounds", paramLabel = "N") Integer warmupRounds;
  @Option(names = "--rounds", paramLabel = "N", description = "measured rounds; each rate is their median") Integer rounds;
  @Option(names = "--expiry-runs", paramLabel = "N") Integer expiryRuns;
  @Option(names = "--expiry-retain-seconds", paramLabel = "S") Integer expiryRetainSeconds;
  @Option(names = "--executor-tasks", paramLabel = "N") Integer executorTasks;
  @Option(names = "--chain-length", paramLabel = "N") Integer chainLength;
  @Option(names = "--million-tasks", paramLabel = "N") Integer millionTasks;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "keep the broker's data there (default a directory under .weft/bench, deleted after)")
  Path dataDir;

  @Option(names = "--bootstrap", paramLabel = "SERVERS", description = "measure on this broker (with --registry)")
  String bootstrap;

  @Option(names = "--registry", paramLabel = "URL", description = "its schema registry (with --bootstrap)")
  String registry;

  BenchCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    Set<String> chosen = new LinkedHashSet<>(Benchmark.SECTIONS);
    if (sections != null) {
      chosen = new LinkedHashSet<>(Arrays.stream(sections.split(",")).map(String::trim).toList());
      if (!Benchmark.SECTIONS.containsAll(chosen)) {
        throw new UsageException("--sections takes some of " + String.join(",", Benchmark.SECTIONS));
      }
      if (chosen.contains("limit") && !chosen.contains("throughput")) {
        throw new UsageException("--sections: limit needs throughput (it moves the records per task that section "
            + "measured)");
      }
    }
    boolean keepData = dataDir != null;
    Path dir = keepData ? dataDir.toAbsolutePath()
        : Files.createDirectories(Path.of(".weft", "bench", "run-" + System.currentTimeMillis())).toAbsolutePath();
    BenchOptions options = tiny ? BenchOptions.tiny(dir) : quick ? BenchOptions.quick(dir) : BenchOptions.full(dir);
    try {
      for (var e : overrides().entrySet()) options = options.with(e.getKey(), String.valueOf(e.getValue()));
      options.validate();
    } catch (NumberFormatException e) {
      if (!keepData) Files.deleteIfExists(dir);
      throw new UsageException("--rate takes whole numbers of tasks/s separated by commas, not '" + rate + "'");
    } catch (IllegalArgumentException e) {
      if (!keepData) Files.deleteIfExists(dir);
      throw new UsageException(e.getMessage());
    }
    List<String> missed = Benchmark.run(options, chosen, json, keepData, output.out(), output.err());
    if (check && !missed.isEmpty()) {
      output.err().println("weft bench: missed the target" + (missed.size() == 1 ? "" : "s") + " of "
          + String.join(", ", missed) + " (--check)");
      return Weft.TARGET_MISSED;
    }
    return Weft.OK;
  }

  /** The settings given, by {@link BenchOptions#with} key. */
  private Map<String, Object> overrides() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rate", rate);
    m.put("runs", runs);
    m.put("width", width);
    m.put("depth", depth);
    m.put("large-tasks", largeTasks);
    m.put("baseline-tasks", baselineTasks);
    m.put("replay-events", replayEvents);
    m.put("dispatch-seconds", dispatchSeconds);
    m.put("partitions", partitions);
    m.put("commit-interval-ms", commitIntervalMs);
    m.put("threads", threads);
    m.put("warmup-rounds", warmupRounds);
    m.put("rounds", rounds);
    m.put("expiry-runs", expiryRuns);
    m.put("expiry-retain-seconds", expiryRetainSeconds);
    m.put("executor-tasks", executorTasks);
    m.put("chain-length", chainLength);
    m.put("million-tasks", millionTasks);
    m.put("bootstrap", bootstrap);
    m.put("registry", registry);
    m.put("data-dir", dataDir == null ? null : dataDir.toAbsolutePath());
    m.values().removeIf(v -> v == null);
    return m;
  }
}
