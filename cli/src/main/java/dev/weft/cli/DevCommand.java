package dev.weft.cli;

import dev.weft.devstack.DevStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code weft dev [--data-dir .weft/dev] [--port 9092] [--registry-port 8081] [--api-port 7070] [--only broker,registry]
 * [--retain-finished 7d] [--history URI] [--lineage DEST]}:
 * the embedded stack, kept running until interrupted. Data stays in the data directory, so a restart keeps topics,
 * runs and schema ids. {@code --only broker,registry} runs the infrastructure alone, for a coordinator and executors
 * run as their own processes ({@code weft coordinator}, {@code weft executor NAME}).
 */
final class DevCommand {
  static final Set<String> OPTIONS = Set.of("data-dir", "port", "registry-port", "api-port", "partitions", "only",
      "retain-finished", "history", "lineage");

  private DevCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    DevStack.Options d = DevStack.Options.dev(Path.of(a.option("data-dir", null, ".weft/dev")).toAbsolutePath());
    DevStack.Options o;
    try {
      o = new DevStack.Options(d.dataDir(), a.intOption("port", d.kafkaPort()),
          a.intOption("registry-port", d.registryPort()), a.intOption("api-port", d.apiPort()),
          a.intOption("partitions", d.partitions()), d.workDir(),
          a.flag("only") ? DevStack.Component.parse(a.option("only", null, "")) : DevStack.Component.ALL,
          ServiceCommands.retainFinished(a), a.option("history", "WEFT_HISTORY", null),
          a.option("lineage", "WEFT_LINEAGE", null), null);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("--only: " + e.getMessage());
    }
    DevStack stack = DevStack.start(o, m -> err.println("weft: " + m));
    out.println();
    out.println("Weft is running.");
    out.println("  broker          " + stack.bootstrapServers());
    out.println("  schema registry " + stack.registryUrl());
    if (stack.apiUrl() != null) out.println("  UI and API      " + stack.apiUrl());
    if (!stack.executors().isEmpty()) out.println("  executors       " + String.join(", ", stack.executors().keySet()));
    if (stack.sink() != null) out.println("  history         " + stack.sink().location());
    out.println();
    if (stack.coordinator() == null) {
      out.println("Start the services:  ./weft coordinator --bootstrap " + stack.bootstrapServers() + " --registry "
          + stack.registryUrl());
      out.println("                     ./weft executor process --bootstrap " + stack.bootstrapServers() + " --registry "
          + stack.registryUrl());
    } else {
      out.println("In another terminal:  ./weft submit examples/etl/pipeline.yaml --param date=2026-11-22 --wait");
    }
    out.println("Stop with Ctrl-C.");
    out.flush();
    return ServiceCommands.untilStopped(stack, err);
  }
}
