package dev.weft.cli;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.Durations;
import dev.weft.spec.PipelineSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code weft run FILE [--param k=v]... [--json]}: one pipeline, start to end, on a throwaway embedded stack (real
 * broker, real registry, coordinator, executors), then a summary. No setup needed; nothing is left running.
 */
final class RunCommand {
  static final Set<String> OPTIONS = Set.of("param", "json", "data-dir", "timeout", "retain-finished", "history",
      "lineage");

  static final Path LINEAGE_FILE = Path.of(".weft", "lineage", "lineage.jsonl");

  private RunCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    PipelineSpec spec = SubmitCommand.load(Path.of(a.positional(0, "the pipeline file (YAML or JSON)")));
    String dir = a.option("data-dir", null, null);
    Path dataDir = dir != null ? Path.of(dir) : Files.createTempDirectory("weft-run-");
    long t0 = System.nanoTime();
    String history = a.option("history", "WEFT_HISTORY", null);
    // Lineage outlives the throwaway stack: by default it is appended to .weft/lineage/lineage.jsonl, beside the
    // outputs a pipeline keeps under .weft/, unless --data-dir keeps a directory of its own.
    Path lineageFile = dir != null ? null : LINEAGE_FILE;
    DevStack.Options options = DevStack.Options.ephemeral(dataDir).withRetainFinished(ServiceCommands.retainFinished(a))
        .withHistory(history).withLineage(a.option("lineage", "WEFT_LINEAGE", null), lineageFile);
    try (DevStack stack = DevStack.start(options, m -> err.println("weft: " + m))) {
      err.printf("weft: embedded stack ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
        SubmittedRun run = client.submit(spec, a.params(), null, null);
        err.println("weft: submitted run " + run.runId() + " (watch it at " + stack.apiUrl() + "/runs/" + run.runId()
            + ")");
        RunResult result = client.await(run, Durations.parse(a.option("timeout", null, "24h")),
            SubmitCommand.progress(err));
        // The stack stops when this returns: let the sink write the run's history first.
        if (!stack.sink().awaitCaughtUp(java.time.Duration.ofSeconds(30))) {
          err.println("weft: the completion sink did not finish writing history to " + stack.sink().location()
              + " within 30 s; it may be incomplete");
        }
        return SubmitCommand.report(result, a.flag("json"), out);
      }
    } finally {
      // A throwaway data dir goes, and its history with it, unless --history or --data-dir says where to keep it.
      if (dir == null) deleteQuietly(dataDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temp dir left behind is harmless.
    }
  }
}
