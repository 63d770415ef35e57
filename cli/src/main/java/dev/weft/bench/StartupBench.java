package dev.weft.bench;

import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpecs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a new user waits for: {@code weft run FILE} as a command of its own (the {@code weft} script when the benchmark
 * was started by it, see {@link #command()}), from the command to the first task started
 * ({@code time_to_first_task_s}, as the command itself reports it) and to its summary ({@code weft_run_wall_s}), on a
 * pipeline of a process task and a noop after it. Beside it, the floor of any command: {@code weft --version} started
 * the same way ({@code cli_start_floor_s}). One unmeasured run first (the page cache, and the script's class-data
 * sharing archive if there is none yet), then {@code rounds} runs; figures are medians. Runs no broker of the
 * benchmark's: each {@code weft run} starts its own.
 */
final class StartupBench {
  private static final Pattern FIRST_TASK = Pattern.compile("time to first task ([0-9.]+) s");

  private final BenchCluster cluster;
  private final Consumer<String> say;

  StartupBench(BenchCluster cluster, Consumer<String> say) {
    this.cluster = cluster;
    this.say = say;
  }

  void run(Map<String, Object> r, Map<String, Object> details) throws Exception {
    Path dir = Files.createDirectories(cluster.options.dataDir().resolve("startup-" + cluster.id));
    Path file = dir.resolve("startup.json");
    Files.writeString(file, PipelineSpecs.toJson(PipelineBuilder.pipeline("bench-startup")
        .task(PipelineBuilder.process("first", "true")).task(PipelineBuilder.noop("then").dependsOn("first")).build()));
    int rounds = cluster.options.rounds();
    say.accept("startup: `weft run` of a 2-task pipeline as a command of its own, once unmeasured, then " + rounds
        + (rounds == 1 ? " time" : " times") + "; the floor: `weft --version`");
    List<Double> walls = new ArrayList<>();
    List<Double> firsts = new ArrayList<>();
    List<Double> floors = new ArrayList<>();
    for (int i = 0; i <= rounds; i++) {
      Command run = weft(dir, "run", file.toString());
      Matcher m = FIRST_TASK.matcher(run.stderr());
      if (run.exit() != 0 || !m.find()) {
        throw new IllegalStateException("`weft run " + file + "` exited " + run.exit() + " without its time to first "
            + "task; it said:\n" + run.stderr().strip());
      }
      Command version = weft(dir, "--version");
      if (version.exit() != 0) throw new IllegalStateException("`weft --version` exited " + version.exit());
      if (i == 0) continue;
      walls.add(Benchmark.round(run.seconds()));
      firsts.add(Double.parseDouble(m.group(1)));
      floors.add(Benchmark.round(version.seconds()));
      say.accept(String.format("  round %d of %d: first task after %s s, summary after %.2f s; `weft --version` %.2f s",
          i, rounds, m.group(1), run.seconds(), version.seconds()));
    }
    r.put("time_to_first_task_s", Benchmark.round(Benchmark.median(firsts)));
    r.put("weft_run_wall_s", Benchmark.round(Benchmark.median(walls)));
    r.put("cli_start_floor_s", Benchmark.round(Benchmark.median(floors)));
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("command", command().size() == 1 ? command().get(0) : "java -cp (this JVM's class path) dev.weft.cli.Weft");
    d.put("time_to_first_task_rounds_s", firsts);
    d.put("weft_run_wall_rounds_s", walls);
    d.put("cli_start_floor_rounds_s", floors);
    details.put("startup", d);
  }

  private record Command(int exit, String stderr, double seconds) {}

  /**
   * How {@code weft} is started: the {@code weft} script this benchmark was started by ({@code WEFT_SCRIPT}), as a
   * user starts it (its freshness check, and the class-data sharing archive that makes a JVM's start 0.5 s shorter);
   * else, as in a test, a JVM with this JVM's class path.
   */
  static List<String> command() {
    String script = System.getenv("WEFT_SCRIPT");
    if (script != null && Files.isExecutable(Path.of(script))) return List.of(script);
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), "dev.weft.cli.Weft");
  }

  /** {@code weft ARGS} as a command of its own ({@link #command()}), in {@code dir}. */
  private static Command weft(Path dir, String... args) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(command());
    argv.addAll(List.of(args));
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("`weft " + String.join(" ", args) + "` did not end within 5 minutes");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    Files.deleteIfExists(err);
    return new Command(p.exitValue(), stderr, seconds);
  }
}
