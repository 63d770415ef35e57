package dev.weft.cli;

import dev.weft.devstack.DevStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weft dev}: the embedded stack, kept running until interrupted. Data stays in the data directory, so a restart
 * keeps topics, runs and schema ids. {@code --only broker,registry} runs the infrastructure alone, for a coordinator
 * and executors run as their own processes ({@code weft coordinator}, {@code weft executor NAME}).
 */
@Command(name = "dev", mixinStandardHelpOptions = true,
    description = {"Keep the embedded stack running: broker, registry, coordinator, executors, completion sink, and "
        + "the UI at http://localhost:7070.", "Stop it with Ctrl-C; its data stays in --data-dir."})
final class DevCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = ".weft/dev",
      description = "where topics, runs and schema ids are kept across restarts (default ${DEFAULT-VALUE})")
  Path dataDir;

  @Option(names = "--port", paramLabel = "PORT", description = "the broker's port (default 9092)")
  Integer port;

  @Option(names = "--registry-port", paramLabel = "PORT", description = "the schema registry's port (default 8081)")
  Integer registryPort;

  @Option(names = "--api-port", paramLabel = "PORT", description = "the coordinator's API and UI port (default 7070)")
  Integer apiPort;

  @Option(names = "--partitions", paramLabel = "N", description = "partitions of Weft's topics")
  Integer partitions;

  @Option(names = "--only", paramLabel = "COMPONENTS",
      description = "run only these, e.g. broker,registry, for services run as their own processes")
  String only;

  @Mixin
  RetainFinishedOption retainFinished;

  @Mixin
  MaxRunTasksOption maxRunTasks;

  @Mixin
  MaxConcurrentOption maxConcurrent;

  @Option(names = "--history", paramLabel = "URI",
      description = "where the completion sink writes history: s3://bucket/prefix or a directory (env WEFT_HISTORY; "
          + "default .weft/dev/history)")
  String history;

  @Option(names = "--lineage", paramLabel = "DEST",
      description = "where OpenLineage events go: http(s)://HOST:PORT, kafka://BOOTSTRAP/TOPIC, an OpenLineage .yml, "
          + "a file, or off (env WEFT_LINEAGE; default: OpenLineage's own configuration, else "
          + ".weft/dev/lineage/lineage.jsonl)")
  String lineage;

  DevCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    DevStack.Options d = DevStack.Options.dev(dataDir.toAbsolutePath());
    DevStack.Options o;
    try {
      o = d.withPorts(or(port, d.kafkaPort()), or(registryPort, d.registryPort()), or(apiPort, d.apiPort()))
          .withPartitions(or(partitions, d.partitions()))
          .withComponents(only != null ? DevStack.Component.parse(only) : DevStack.Component.ALL)
          .withRetainFinished(retainFinished.value()).withLimits(maxRunTasks.limits())
          .withMaxConcurrent(maxConcurrent.value())
          .withHistory(Environment.or(history, "WEFT_HISTORY", null))
          .withLineage(Environment.or(lineage, "WEFT_LINEAGE", null), null);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--only: " + e.getMessage());
    }
    PrintStream out = output.out();
    PrintStream err = output.err();
    DevStack stack = DevStack.start(o, m -> err.println("weft: " + m));
    out.println();
    out.println("Weft is running.");
    out.println("  broker          " + stack.bootstrapServers());
    out.println("  schema registry " + stack.registryUrl());
    // weft dev asks for no API token: it binds the API to loopback only, so it is open to this machine's users alone.
    if (stack.apiUrl() != null) {
      out.println("  UI and API      " + stack.apiUrl() + " (open, no token: loopback only)");
    }
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
    return ServiceLifetime.untilStopped(stack, err);
  }

  private static int or(Integer given, int dflt) {
    return given != null ? given : dflt;
  }
}
