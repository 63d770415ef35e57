package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.client.RunIds;
import dev.weft.client.WeftClient;
import dev.weft.coordinator.api.BackfillView;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft backfill FILE --range P=FROM..TO [--step 1d] [--max-active-runs N] [--priority P] [--param k=v]...},
 * {@code weft backfill status ID} and {@code weft backfill cancel ID}.
 *
 * <p>The backfill is one request on the log, folded by the coordinator, which starts each run and the next when one
 * ends; this command publishes it and then only shows its progress. Killed and started again, it publishes the same
 * request (the id comes from the pipeline, the parameters and the values), which the coordinator recognises, and goes
 * on showing where the backfill is.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true,
    description = {"One run per value of a parameter (dates or whole numbers), at most N at once, folded by the "
        + "coordinator; shows progress. The same command again resumes it and starts nothing twice."},
    subcommands = {BackfillCommand.Status.class, BackfillCommand.Cancel.class})
final class BackfillCommand implements Callable<Integer> {
  private final CommandOutput output;

  // Neither is marked required: picocli would then ask for them before `backfill status ID` too.
  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "the pipeline (YAML or JSON)")
  Path file;

  @Option(names = "--range", paramLabel = "P=FROM..TO",
      description = "the parameter and its range, e.g. date=2026-11-01..2026-11-30 or n=1..10")
  String range;

  @Option(names = "--step", paramLabel = "STEP", description = "between values: 1d (default for dates), 7d, or a whole number")
  String step;

  @Option(names = "--max-active-runs", paramLabel = "N", defaultValue = "1",
      description = "runs of this backfill active at once (default ${DEFAULT-VALUE})")
  int maxActive;

  @Option(names = "--priority", paramLabel = "P", defaultValue = "0", description = "recorded and shown (default ${DEFAULT-VALUE})")
  int priority;

  @Option(names = "--json", description = "print the backfill, once it ended, as JSON")
  boolean json;

  @Option(names = "--detach", description = "publish the backfill and print its id; do not follow it")
  boolean detach;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "7d", converter = DurationConverter.class,
      description = "how long to follow it before exit code 4; it goes on in the coordinator (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  PipelineParamsOption params;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  ConnectionOptions connection;

  BackfillCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = output.out();
    PrintStream err = output.err();
    if (file == null) throw new UsageException("missing the pipeline FILE, or status/cancel and a backfill id");
    if (range == null) {
      throw new UsageException("--range P=FROM..TO is required, e.g. --range date=2026-11-01..2026-11-30");
    }
    BackfillValues values = BackfillValues.parse(range, step);
    if (maxActive < 1) throw new UsageException("--max-active-runs must be 1 or more");
    PipelineSpec spec = SubmitCommand.load(file);
    Map<String, String> paramValues = params.values();
    String name = PipelineSpecs.resolve(spec, withValue(paramValues, values.param(), values.values().get(0))).name();
    String id = RunIds.backfillId(name, paramValues, values.param(), values.values());
    Map<String, Object> kafka = connection.kafkaProperties();
    SubmitCommand.warnOfEmptyGroups(connection.bootstrap(), kafka, topicPrefix.topics(), spec, err);
    try (WeftClient client = new WeftClient(connection.bootstrap(), connection.serdes(), topicPrefix.topics(), kafka)) {
      client.backfill(id, spec, paramValues, values.param(), values.values(), maxActive, priority);
    }
    err.println("backfill " + id + ": " + values.values().size() + " runs of " + name + " (" + values.param() + " "
        + values.values().get(0) + " .. " + values.values().get(values.values().size() - 1) + "), at most " + maxActive
        + " at once; `weft backfill status " + id + "` shows it, `weft backfill cancel " + id + "` stops it");
    if (detach) {
      out.println(json ? "{\"backfillId\": \"" + id + "\"}" : id);
      return Weft.OK;
    }
    return follow(connection.api(), id, timeout, json, out, err);
  }

  /** {@code weft backfill status ID}: a backfill's progress and each value's run. */
  @Command(name = "status", mixinStandardHelpOptions = true, description = "A backfill's progress and each value's run.")
  static final class Status implements Callable<Integer> {
    private final CommandOutput output;

    @Parameters(index = "0", paramLabel = "ID", description = "the backfill id")
    String id;

    @Option(names = "--json", description = "print it as JSON")
    boolean json;

    /** Not needed (the API knows the backfill), but accepted: scripts pass every backfill command the same options. */
    @Mixin
    TopicPrefixOption topicPrefix;

    @Mixin
    ConnectionOptions connection;

    Status(CommandOutput output) {
      this.output = output;
    }

    @Override
    public Integer call() throws Exception {
      BackfillView b = fetch(connection.api(), id);
      if (b == null) {
        output.err().println("weft: no backfill '" + id + "' is known to the coordinator");
        return Weft.NOT_FOUND;
      }
      PrintStream out = output.out();
      if (json) {
        out.println(Weft.JSON.writeValueAsString(b));
        return Weft.OK;
      }
      out.println("backfill " + b.backfillId() + "  pipeline " + b.pipeline() + "  status " + b.status()
          + "  at most " + b.maxActiveRuns() + " at once  priority " + b.priority());
      out.println(progress(b));
      for (BackfillView.ValueView v : b.values()) out.printf("  %-12s %-10s %s%n", v.value(), v.status(), v.runId());
      return Weft.OK;
    }
  }

  /** {@code weft backfill cancel ID}: no more runs start, and its running runs are cancelled. */
  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Stop a backfill: no more runs start, and its running runs are cancelled.")
  static final class Cancel implements Callable<Integer> {
    private final CommandOutput output;

    @Parameters(index = "0", paramLabel = "ID", description = "the backfill id")
    String id;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Mixin
    ConnectionOptions connection;

    Cancel(CommandOutput output) {
      this.output = output;
    }

    @Override
    public Integer call() {
      try (WeftClient client = new WeftClient(connection.bootstrap(), connection.serdes(), topicPrefix.topics(),
          connection.kafkaProperties())) {
        client.cancelBackfill(id);
      }
      output.out().println("cancel requested for backfill " + id
          + "; it starts no more runs and its running runs are cancelled");
      return Weft.OK;
    }
  }

  /** Shows progress whenever it changes until the backfill ends; its exit code is 0 only when every run succeeded. */
  private static int follow(String api, String id, Duration timeout, boolean json, PrintStream out, PrintStream err)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    BackfillView b = null;
    while (System.nanoTime() < deadline) {
      b = fetch(api, id);
      if (b != null) {
        String progress = progress(b);
        if (!progress.equals(last)) err.println(progress);
        last = progress;
        if (!b.status().equals("RUNNING")) break;
      }
      Thread.sleep(1000);
    }
    if (b == null || b.status().equals("RUNNING")) {
      err.println("weft: backfill " + id + " did not finish within " + timeout + "; it goes on in the coordinator");
      return Weft.TIMED_OUT;
    }
    if (json) out.println(Weft.JSON.writeValueAsString(b));
    else out.println("backfill " + id + " " + b.status() + ": " + progress(b));
    return b.status().equals("SUCCEEDED") ? Weft.OK : Weft.RUN_FAILED;
  }

  static String progress(BackfillView b) {
    return "[" + b.param() + "] done " + b.done() + ", running " + b.running() + ", failed " + b.failed() + ", left "
        + b.left() + " (of " + b.values().size() + ")";
  }

  /** @return the backfill, or null while the coordinator does not know it (yet) */
  private static BackfillView fetch(String api, String id) throws IOException, InterruptedException {
    HttpResponse<String> r;
    try {
      r = ApiHttpClient.get().send(HttpRequest.newBuilder(URI.create(api + "/api/backfills/" + id))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException ce) {
      throw new IllegalStateException("cannot reach the coordinator's API at " + api + "; is `weft dev` (or a "
          + "coordinator) running? Point at another one with --api or WEFT_API");
    }
    if (r.statusCode() == 404) return null;
    if (r.statusCode() == 503) return null; // rebalancing or restoring: ask again
    if (r.statusCode() != 200) {
      JsonNode body = QueryApi.JSON.readTree(r.body());
      throw new IllegalStateException(body.has("error") ? body.get("error").asText() : r.body());
    }
    return QueryApi.JSON.readValue(r.body(), BackfillView.class);
  }

  private static Map<String, String> withValue(Map<String, String> params, String param, String value) {
    Map<String, String> out = new java.util.HashMap<>(params);
    out.put(param, value);
    return out;
  }
}
