package dev.weft.cli;

import dev.weft.devstack.DevStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code weft dev [--data-dir .weft/dev] [--port 9092] [--registry-port 8081] [--api-port 7070]}: the embedded stack,
 * kept running until interrupted. Data stays in the data directory, so a restart keeps topics, runs and schema ids.
 */
final class DevCommand {
  static final Set<String> OPTIONS = Set.of("data-dir", "port", "registry-port", "api-port", "partitions");

  private DevCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    DevStack.Options d = DevStack.Options.dev(Path.of(a.option("data-dir", null, ".weft/dev")).toAbsolutePath());
    DevStack.Options o = new DevStack.Options(d.dataDir(), a.intOption("port", d.kafkaPort()),
        a.intOption("registry-port", d.registryPort()), a.intOption("api-port", d.apiPort()),
        a.intOption("partitions", d.partitions()), d.workDir());
    DevStack stack = DevStack.start(o, m -> err.println("weft: " + m));
    out.println();
    out.println("Weft is running.");
    out.println("  broker          " + stack.bootstrapServers());
    out.println("  schema registry " + stack.registryUrl());
    out.println("  UI and API      " + stack.apiUrl());
    out.println("  executors       " + String.join(", ", stack.executors().keySet()));
    out.println();
    out.println("In another terminal:  ./weft submit examples/etl/pipeline.yaml --param date=2026-11-22 --wait");
    out.println("Stop with Ctrl-C.");
    return ServiceCommands.untilStopped(stack, err);
  }
}
