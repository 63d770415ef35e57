package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.ResolvedPipeline;
import dev.weft.spec.SpecLimits;
import dev.weft.spec.TaskSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft run FILE}: one pipeline, start to end, on a throwaway embedded stack (a real broker, in this JVM; the
 * coordinator, executors and completion sink), then a summary. No setup needed; nothing is left running.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one pipeline on a throwaway embedded stack and print a summary.")
final class RunCommand implements Callable<Integer> {
  static final Path LINEAGE_FILE = Path.of(".weft", "lineage", "lineage.jsonl");

  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline (YAML or JSON)")
  Path file;

  @Mixin
  PipelineParamsOption params;

  @Option(names = "--json", description = "print the run as JSON")
  boolean json;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "keep the stack's data (and its history) there; by default a temporary directory, deleted after")
  Path dataDir;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
      description = "how long to wait for the run (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  RetainFinishedOption retainFinished;

  @Mixin
  MaxRunTasksOption maxRunTasks;

  @Mixin
  MaxConcurrentOption maxConcurrent;

  @Option(names = "--history", paramLabel = "URI",
      description = "where the completion sink writes history: s3://bucket/prefix or a directory (env WEFT_HISTORY; "
          + "default: in the data directory)")
  String history;

  @Option(names = "--lineage", paramLabel = "DEST",
      description = "where OpenLineage events go: http(s)://HOST:PORT, kafka://BOOTSTRAP/TOPIC, an OpenLineage .yml, "
          + "a file, or off (env WEFT_LINEAGE; default: OpenLineage's own configuration, else "
          + ".weft/lineage/lineage.jsonl)")
  String lineage;

  RunCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    var paramValues = params.values();
    SpecLimits limits = maxRunTasks.limits();
    int concurrency = maxConcurrent.value();
    PipelineSpec spec = SubmitCommand.load(file);
    // Every problem of the spec before the stack starts, not seconds later when the run is submitted.
    ResolvedPipeline resolved = PipelineSpecs.resolve(spec, paramValues, limits);
    UnenforcedResources.warning(spec).ifPresent(w -> output.err().println("weft: warning: " + w));
    Path dir = dataDir != null ? dataDir : Files.createTempDirectory("weft-run-");
    long t0 = System.nanoTime();
    // Lineage outlives the throwaway stack: by default it is appended to .weft/lineage/lineage.jsonl, beside the
    // outputs a pipeline keeps under .weft/, unless --data-dir keeps a directory of its own.
    Path lineageFile = dataDir != null ? null : LINEAGE_FILE;
    DevStack.Options options = DevStack.Options.ephemeral(dir).withRetainFinished(retainFinished.value())
        .withLimits(limits).withMaxConcurrent(concurrency)
        .withHistory(Environment.or(history, "WEFT_HISTORY", null))
        .withLineage(Environment.or(lineage, "WEFT_LINEAGE", null), lineageFile);
    // A throwaway stack whose every client is this process needs no registry process (its schema ids go with it),
    // and one partition per topic: one coordinator task and its stores to open instead of four, for one run.
    if (dataDir == null) options = options.withInProcessRegistry().withPartitions(1);
    // The broker in this JVM: a child JVM would cost seconds of start-up (a JVM, Kafka's classes loaded a second time)
    // for a stack that lives only as long as this command.
    options = options.withInProcessBroker();
    // The executors the pipeline names are what its first tasks wait for; the others (seconds on two cores, Spark's
    // the longest) start after the stack is ready, for the tasks a task may spawn.
    options = options.withExecutorsFirst(
        spec.tasks().stream().map(TaskSpec::executor).collect(Collectors.toSet()));
    var err = output.err();
    DevStack stack;
    try {
      stack = DevStack.start(options, m -> err.println("weft: " + m));
    } catch (RuntimeException e) {
      if (dataDir == null) deleteQuietly(dir);
      throw e;
    }
    // Ctrl-C (or SIGTERM) ends the JVM while this thread waits for the run: stop the stack then, as at the end, so that
    // the executors stop what they run (a container outlives its JVM) and say so.
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable stop = () -> {
      if (!stopped.compareAndSet(false, true)) return;
      if (dataDir == null) {
        stack.closeDiscardingData();
        deleteQuietly(dir);
      } else {
        stack.close();
      }
    };
    Thread onInterrupt = new Thread(() -> {
      long t1 = System.nanoTime();
      err.println("weft: interrupted; stopping the run's tasks and the stack");
      stop.run();
      err.printf("weft: stopped in %.1f s%s%n", (System.nanoTime() - t1) / 1e9,
          dataDir == null ? "" : "; the run's state is kept in " + dataDir);
    }, "weft-run-interrupted");
    Runtime.getRuntime().addShutdownHook(onInterrupt);
    try {
      err.printf("weft: embedded stack ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
        SubmittedRun run = client.submit(spec, paramValues, resolved, null, null);
        err.println("weft: submitted run " + run.runId() + " (watch it at " + stack.apiUrl() + "/runs/" + run.runId()
            + ")");
        RunResult result;
        try (RunProgress progress = new RunProgress(new ProgressLine(err, output.interactive()))) {
          result = client.await(run, timeout, progress);
        }
        // The stack stops when this returns: let the sink write the run's history first.
        if (!stack.sink().awaitRunWritten(run.runId(), Duration.ofSeconds(30))) {
          err.println("weft: the completion sink did not finish writing history to " + stack.sink().location()
              + " within 30 s; it may be incomplete");
        }
        timeToFirstTask(result).ifPresent(s -> err.printf("weft: time to first task %.1f s (from the command to the "
            + "first attempt's start)%n", s));
        return SubmitCommand.report(result, json, output.out());
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onInterrupt);
      } catch (IllegalStateException e) {
        // The JVM is already stopping: the hook stops the stack.
      }
      // A throwaway data dir goes, and its history with it, unless --history or --data-dir says where to keep it.
      stop.run();
    }
  }

  /**
   * Seconds from this JVM's start (the command) to the earliest start of any attempt of the run, both this machine's
   * clock; empty when no attempt started (every task skipped before launch, or the run rejected).
   */
  static java.util.OptionalDouble timeToFirstTask(RunResult result) {
    long commandMs = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    return result.tasks().stream().filter(t -> t.startedAtMs() != null).mapToLong(t -> t.startedAtMs()).min()
        .stream().mapToDouble(first -> (first - commandMs) / 1000.0).findFirst();
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp dir left behind is harmless.
    }
  }
}
