package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunView;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * {@code weft status RUN [--json] [--all]}: the run and its tasks (a mapped task's instances: failed ones only,
 * unless {@code --all}), from the coordinator's query API; for a run the
 * coordinator no longer holds (404), from the completion sink's history ({@code --history}), saying so.
 */
final class StatusCommand {
  static final Set<String> OPTIONS = Endpoints.optionsWith("json", "history", "all");

  private StatusCommand() {}

  static int run(Args a, PrintStream out, PrintStream err) throws Exception {
    a.allow(OPTIONS);
    String runId = a.positional(0, "the run id");
    Endpoints e = Endpoints.from(a);
    HttpResponse<String> r;
    try {
      r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
          HttpRequest.newBuilder(URI.create(e.api() + "/api/runs/" + runId)).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException ce) {
      err.println("weft: cannot reach the coordinator's API at " + e.api() + "; is `weft dev` (or a coordinator) "
          + "running? Point at another one with --api or WEFT_API");
      return Weft.UNAVAILABLE;
    }
    if (r.statusCode() == 404) return fromHistory(a, runId, r.body(), out, err);
    if (r.statusCode() != 200) {
      JsonNode body = readQuietly(r.body());
      err.println("weft: " + (body != null && body.has("error") ? body.get("error").asText() : r.body()));
      return r.statusCode() == 404 ? Weft.NOT_FOUND : Weft.UNAVAILABLE;
    }
    RunView run = QueryApi.JSON.readValue(r.body(), RunView.class);
    if (a.flag("json")) out.println(Weft.JSON.writeValueAsString(run));
    else RunReport.status(run, a.flag("all"), out);
    return Weft.OK;
  }

  private static int fromHistory(Args a, String runId, String coordinatorAnswer, PrintStream out, PrintStream err)
      throws IOException {
    try (dev.weft.sink.HistoryStore store = HistoryCommand.open(a)) {
      dev.weft.sink.HistoryReader reader = new dev.weft.sink.HistoryReader(store);
      if (reader.run(runId).isEmpty()) {
        JsonNode body = readQuietly(coordinatorAnswer);
        err.println("weft: " + (body != null && body.has("error") ? body.get("error").asText() : coordinatorAnswer)
            + "; nor is it in the history at " + store.location());
        return Weft.NOT_FOUND;
      }
      err.println("weft: the coordinator no longer holds run " + runId + "; this is from history (" + store.location()
          + ")");
      return HistoryCommand.showRun(reader, store, runId, a.flag("json"), out, err);
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
