package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.spec.PipelineBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code weft coordinator --retain-finished 3s} as its own process on the shared broker: a finished run leaves the
 * coordinator's stores (its {@code /api/runs/{id}} answers 404, and the run list no longer has it) a few seconds after
 * it finished, while a run still in flight (a process task with no process executor to start it) stays; and
 * {@code weft status} still answers for the expired run, from the history a {@code weft sink} wrote.
 */
class RunExpiryEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @Timeout(300)
  void shouldRemoveAFinishedRunAfterRetainFinishedAndKeepARunInFlight() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("expiry", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1", "--retain-finished", "3s");
      weft.startExecutor("noop", "n1");
      String history = weft.dir().resolve("history").toString();
      weft.startSink("s1", history, Map.of());
      SubmittedRun inFlight = weft.submit(PipelineBuilder.pipeline("waits")
          .task(PipelineBuilder.process("never-started", "true")).build());
      SubmittedRun done = weft.submit(PipelineBuilder.pipeline("done").task(PipelineBuilder.noop("a")).build());

      RunResult result = weft.await(done, Duration.ofMinutes(2));
      assertThat(result.status()).isEqualTo("SUCCEEDED");

      Conditions.await(Duration.ofSeconds(60), "the finished run " + done.runId() + " leaves the coordinator",
          () -> weft.getRun(coordinator, done.runId()).statusCode() == 404);
      HttpResponse<String> kept = weft.getRun(coordinator, inFlight.runId());
      assertThat(kept.statusCode()).as(kept.body()).isEqualTo(200);
      assertThat(JSON.readTree(kept.body()).get("status").asText()).isEqualTo("RUNNING");
      JsonNode list = JSON.readTree(get(weft, coordinator, "/api/runs").body());
      assertThat(list).extracting(r -> r.get("runId").asText()).containsExactly(inFlight.runId());
      JsonNode stats = JSON.readTree(get(weft, coordinator, "/api/stats").body());
      assertThat(stats.get("runsExpired").asLong()).isEqualTo(1);

      // The coordinator no longer holds the run; weft status answers from the completion sink's history.
      WeftCli.Result status = WeftCli.run(weft.dir(), Map.of(), List.of("status", done.runId(),
          "--api", "http://127.0.0.1:" + weft.apiPort(coordinator), "--history", history));
      assertThat(status.exit()).as(status.toString()).isZero();
      assertThat(status.stderr()).contains("from history");
      assertThat(status.stdout()).contains("SUCCEEDED").contains("a");
    }
  }

  private HttpResponse<String> get(ProcessWeft weft, ServiceProcess coordinator, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + weft.apiPort(coordinator) + path))
        .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
