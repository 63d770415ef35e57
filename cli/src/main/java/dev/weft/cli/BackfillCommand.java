package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.client.RunIds;
import dev.weft.client.WeftClient;
import dev.weft.coordinator.api.BackfillView;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.Durations;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code weft backfill FILE --range P=FROM..TO [--step 1d] [--max-active-runs N] [--priority P] [--param k=v]...},
 * {@code weft backfill status ID} and {@code weft backfill cancel ID}.
 *
 * <p>The backfill is one request on the log, folded by the coordinator, which starts each run and the next when one
 * ends; this command publishes it and then only shows its progress. Killed and started again, it publishes the same
 * request (the id comes from the pipeline, the parameters and the values), which the coordinator recognises, and goes
 * on showing where the backfill is.
 */
final class BackfillCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("range", "step", "max-active-runs", "priority", "param",
      "json", "timeout", "detach", "topic-prefix");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private BackfillCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    String first = a.positional(0, "the pipeline file, or status/cancel and a backfill id");
    Endpoints e = Endpoints.from(a);
    if (first.equals("status") && a.positionals().size() == 2) return status(e, a.positional(1, "the backfill id"), a, out, err);
    if (first.equals("cancel") && a.positionals().size() == 2) {
      String id = a.positional(1, "the backfill id");
      try (WeftClient client = new WeftClient(e.bootstrap(), new WeftSerdes(e.registry()),
        ServiceCommands.topics(a))) {
        client.cancelBackfill(id);
      }
      out.println("cancel requested for backfill " + id + "; it starts no more runs and its running runs are cancelled");
      return Weft.OK;
    }
    String range = a.option("range", null, null);
    if (range == null) throw new Args.UsageException("--range P=FROM..TO is required, e.g. --range date=2026-11-01..2026-11-30");
    BackfillValues values = BackfillValues.parse(range, a.option("step", null, null));
    int maxActive = a.intOption("max-active-runs", 1);
    if (maxActive < 1) throw new Args.UsageException("--max-active-runs must be 1 or more");
    PipelineSpec spec = SubmitCommand.load(Path.of(first));
    Map<String, String> params = a.params();
    String name = PipelineSpecs.resolve(spec, withValue(params, values.param(), values.values().get(0))).name();
    String id = RunIds.backfillId(name, params, values.param(), values.values());
    SubmitCommand.warnOfEmptyGroups(e.bootstrap(), spec, err);
    try (WeftClient client = new WeftClient(e.bootstrap(), new WeftSerdes(e.registry()),
        ServiceCommands.topics(a))) {
      client.backfill(id, spec, params, values.param(), values.values(), maxActive, a.intOption("priority", 0));
    }
    err.println("backfill " + id + ": " + values.values().size() + " runs of " + name + " (" + values.param() + " "
        + values.values().get(0) + " .. " + values.values().get(values.values().size() - 1) + "), at most " + maxActive
        + " at once; `weft backfill status " + id + "` shows it, `weft backfill cancel " + id + "` stops it");
    if (a.flag("detach")) {
      out.println(a.flag("json") ? "{\"backfillId\": \"" + id + "\"}" : id);
      return Weft.OK;
    }
    return follow(e, id, Durations.parse(a.option("timeout", null, "7d")), a.flag("json"), out, err);
  }

  /** Shows progress whenever it changes until the backfill ends; its exit code is 0 only when every run succeeded. */
  private static int follow(Endpoints e, String id, Duration timeout, boolean json, PrintStream out, PrintStream err)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = null;
    BackfillView b = null;
    while (System.nanoTime() < deadline) {
      b = fetch(e, id);
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

  private static int status(Endpoints e, String id, Args a, PrintStream out, PrintStream err) throws Exception {
    BackfillView b = fetch(e, id);
    if (b == null) {
      err.println("weft: no backfill '" + id + "' is known to the coordinator");
      return Weft.NOT_FOUND;
    }
    if (a.flag("json")) {
      out.println(Weft.JSON.writeValueAsString(b));
      return Weft.OK;
    }
    out.println("backfill " + b.backfillId() + "  pipeline " + b.pipeline() + "  status " + b.status()
        + "  at most " + b.maxActiveRuns() + " at once  priority " + b.priority());
    out.println(progress(b));
    for (BackfillView.ValueView v : b.values()) out.printf("  %-12s %-10s %s%n", v.value(), v.status(), v.runId());
    return Weft.OK;
  }

  static String progress(BackfillView b) {
    return "[" + b.param() + "] done " + b.done() + ", running " + b.running() + ", failed " + b.failed() + ", left "
        + b.left() + " (of " + b.values().size() + ")";
  }

  /** @return the backfill, or null while the coordinator does not know it (yet) */
  private static BackfillView fetch(Endpoints e, String id) throws IOException, InterruptedException {
    HttpResponse<String> r;
    try {
      r = HTTP.send(HttpRequest.newBuilder(URI.create(e.api() + "/api/backfills/" + id))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException ce) {
      throw new IllegalStateException("cannot reach the coordinator's API at " + e.api() + "; is `weft dev` (or a "
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
