package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunView;
import dev.weft.sink.HistoryReader;
import dev.weft.sink.HistoryStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft status RUN}: the run and its tasks, from the coordinator's query API; for a run the coordinator no
 * longer holds (404), from the completion sink's history ({@code --history}), saying so. A mapped task's instances
 * are listed when they failed, or all of them with {@code --all}. With {@code --watch} it follows the run to its end
 * ({@link StatusWatch}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {"Show a run's tasks and their states (from history when the coordinator no longer holds the run).",
        "With --watch, follow the run until it ends; the exit code is then the run's, as for submit --wait."})
final class StatusCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "RUN", description = "the run id")
  String runId;

  @Option(names = "--json", description = "print the run as JSON (with --watch: once it has ended)")
  boolean json;

  @Option(names = "--watch", description = "redraw until the run ends (on a terminal), or print a line per change")
  boolean watch;

  @Option(names = "--all", description = "list every instance of a mapped task, not only the failed ones")
  boolean all;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "the API token, when the coordinator asks for one (env WEFT_API_TOKEN)")
  String token;

  @Mixin
  HistoryLocationOption history;

  @Mixin
  ConnectionOptions connection;

  StatusCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws Exception {
    if (watch) return new StatusWatch(this, output).watch();
    HttpResponse<String> r;
    try {
      r = fetch();
    } catch (ConnectException ce) {
      output.err().println(unreachable());
      return Weft.UNAVAILABLE;
    }
    if (r.statusCode() == 404) return fromHistory(r.body(), false);
    if (r.statusCode() != 200) return apiError(r);
    RunView run = parse(r);
    if (json) output.out().println(Weft.JSON.writeValueAsString(run));
    else RunReport.status(run, all, output.out());
    return Weft.OK;
  }

  /** {@code GET /api/runs/{id}} on the coordinator. */
  HttpResponse<String> fetch() throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(connection.api() + "/api/runs/" + runId))
        .timeout(Duration.ofSeconds(30));
    String t = Environment.or(token, "WEFT_API_TOKEN", null);
    if (t != null) request.header("Authorization", "Bearer " + t);
    return ApiHttpClient.get().send(request.build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static RunView parse(HttpResponse<String> r) throws IOException {
    return QueryApi.JSON.readValue(r.body(), RunView.class);
  }

  String unreachable() {
    return "weft: cannot reach the coordinator's API at " + connection.api() + "; is `weft dev` (or a coordinator) "
        + "running? Point at another one with --api or WEFT_API";
  }

  int apiError(HttpResponse<String> r) {
    if (r.statusCode() == 401) {
      output.err().println("weft: the coordinator's API at " + connection.api() + " refused "
          + (Environment.or(token, "WEFT_API_TOKEN", null) == null ? "a request without a token; give --token or WEFT_API_TOKEN"
              : "the token; check --token or WEFT_API_TOKEN"));
      return Weft.UNAVAILABLE;
    }
    if (r.statusCode() == 403) {
      output.err().println("weft: the token may not do this (" + r.request().method() + " " + r.request().uri().getPath()
          + ")");
      return Weft.UNAVAILABLE;
    }
    JsonNode body = readQuietly(r.body());
    output.err().println("weft: " + (body != null && body.has("error") ? body.get("error").asText() : r.body()));
    return Weft.UNAVAILABLE;
  }

  /**
   * The run from history, for a run the coordinator no longer holds.
   *
   * @param exitAsRun whether the exit code is the run's ({@code --watch}) rather than 0 for "shown"
   */
  int fromHistory(String coordinatorAnswer, boolean exitAsRun) throws IOException {
    PrintStream err = output.err();
    try (HistoryStore store = history.open()) {
      HistoryReader reader = new HistoryReader(store);
      List<HistoryReader.RunHistory> found = reader.run(runId);
      if (found.isEmpty()) {
        JsonNode body = readQuietly(coordinatorAnswer);
        err.println("weft: " + (body != null && body.has("error") ? body.get("error").asText() : coordinatorAnswer)
            + "; nor is it in the history at " + store.location());
        return Weft.NOT_FOUND;
      }
      err.println("weft: the coordinator no longer holds run " + runId + "; this is from history (" + store.location()
          + ")");
      int shown = HistoryCommand.showRun(reader, store, runId, json, output.out(), err);
      HistoryReader.RunHistory last = found.get(found.size() - 1);
      if (!exitAsRun || shown != Weft.OK || last.run() == null) return shown;
      return SubmitCommand.exitCode(last.run().status());
    }
  }

  private static JsonNode readQuietly(String s) {
    try {
      return QueryApi.JSON.readTree(s);
    } catch (IOException ex) {
      return null;
    }
  }
}
