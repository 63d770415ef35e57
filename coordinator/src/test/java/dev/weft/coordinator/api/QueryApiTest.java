package dev.weft.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The query API's handlers over a fixed run: the UI's files, the cancel endpoint and its refusals. */
class QueryApiTest {
  static final RunView RUN = new RunView("r-1", "etl", "RUNNING", "alice", Map.of(), 1L, null, 1, Map.of("RUNNING", 1),
      null, List.of(), null, null);
  final List<String> cancels = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();
  QueryApi api;

  @BeforeEach
  void start() throws Exception {
    RunLookup lookup = new RunLookup() {
      @Override
      public Optional<RunView> run(String runId) {
        return runId.equals("r-1") ? Optional.of(RUN) : Optional.empty();
      }

      @Override
      public RunPage runs(RunQuery query) {
        return new RunPage(List.of(RUN), null);
      }
    };
    api = new QueryApi("127.0.0.1", 0, lookup, Map::of, null,
        (runId, task, reason, requester) -> cancels.add(runId + "/" + task + "/" + requester), ApiTokens.OPEN);
  }

  @AfterEach
  void stop() {
    api.close();
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String type, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body));
    if (type != null) b.header("Content-Type", type);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + api.port() + path);
  }

  @Test
  void shouldServeThePagesWithAPolicyThatRunsScriptsFromThisServerOnly() throws Exception {
    for (String page : List.of("/", "/runs/r-1", "/runs/%3Cscript%3E")) {
      HttpResponse<String> r = get(page);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
          p -> assertThat(p).contains("script-src 'self'").doesNotContain("unsafe-eval"));
      assertThat(r.body()).doesNotContain("r-1").doesNotContain("<script>");
    }
    assertThat(get("/ui/cytoscape.min.js").body()).contains("cytoscape");
    assertThat(get("/ui/run.js").headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
    assertThat(get("/ui/../QueryApi.class").statusCode()).isEqualTo(404);
    assertThat(get("/ui/nothing.js").statusCode()).isEqualTo(404);
  }

  @Test
  void shouldPublishACancelOfATaskAndAnswerAccepted() throws Exception {
    HttpResponse<String> r = post("/api/runs/r-1/cancel", "application/json", "{\"task\": \"extract\"}");

    assertThat(r.statusCode()).isEqualTo(202);
    assertThat(cancels).containsExactly("r-1/extract/weft-ui");
  }

  @Test
  void shouldPublishACancelOfTheRunForAnEmptyBody() throws Exception {
    assertThat(post("/api/runs/r-1/cancel", "application/json", "").statusCode()).isEqualTo(202);
    assertThat(cancels).containsExactly("r-1/null/weft-ui");
  }

  @Test
  void shouldRefuseACancelThatAFormOnAnotherSiteCouldSend() throws Exception {
    assertThat(post("/api/runs/r-1/cancel", "application/x-www-form-urlencoded", "task=x").statusCode()).isEqualTo(415);
    assertThat(post("/api/runs/r-1/cancel", "text/plain", "{}").statusCode()).isEqualTo(415);
    assertThat(get("/api/runs/r-1/cancel").statusCode()).isEqualTo(405);
    assertThat(cancels).isEmpty();
  }

  @Test
  void shouldAnswerNotFoundForACancelOfAnUnknownRunAndBadRequestForABodyThatIsNotAnObject() throws Exception {
    assertThat(post("/api/runs/r-2/cancel", "application/json", "{}").statusCode()).isEqualTo(404);
    assertThat(post("/api/runs/r-1/cancel", "application/json", "[1]").statusCode()).isEqualTo(400);
    assertThat(post("/api/runs/r-1/cancel", "application/json", "{nope").statusCode()).isEqualTo(400);
    assertThat(cancels).isEmpty();
  }
}
