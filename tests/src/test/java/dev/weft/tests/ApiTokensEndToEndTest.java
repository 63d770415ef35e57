package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.Weft;
import dev.weft.client.SubmittedRun;
import dev.weft.spec.PipelineBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 17 §4 across instances: two {@code weft coordinator} processes share a token file and split a topic's two
 * partitions, so one of them owns the run and the other forwards. Both answer {@code weft status --token} (the
 * forwarded query carries a token the owner accepts), and neither answers without one.
 */
class ApiTokensEndToEndTest {
  static final String READ = "read-token-e2e-0123456789";
  static final String OPERATE = "operate-token-e2e-0123456789";
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shouldAnswerThroughEveryInstanceWithATokenAndThroughNoneWithout() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("tokens", 2);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers()))) {
      Path tokens = Files.writeString(weft.dir().resolve("api-tokens"), "read " + READ + "\noperate " + OPERATE + "\n");
      String[] args = {"--api-tokens", tokens.toString(), "--advertised-host", "127.0.0.1"};
      List<ServiceProcess> coordinators = List.of(weft.launchCoordinator("c1", args), weft.launchCoordinator("c2", args));
      for (ServiceProcess c : coordinators) weft.awaitCoordinator(c);
      CoordinatorScaleOutTest.awaitMembers(admin, weft.applicationId(), 2);
      SubmittedRun run = weft.submit(PipelineBuilder.pipeline("tokens")
          .task(PipelineBuilder.of("wait", "noop", null)).build());

      for (ServiceProcess c : coordinators) {
        String api = "http://127.0.0.1:" + weft.apiPort(c);
        Conditions.await(Duration.ofSeconds(60), "weft status --token through " + c, () -> {
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          int code = Weft.run(List.of("status", run.runId(), "--json", "--api", api, "--token", READ),
              new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
          return code == 0 && out.toString(StandardCharsets.UTF_8).contains(run.runId());
        });
        assertThat(get(api + "/api/runs/" + run.runId(), null).statusCode()).isEqualTo(401);
        assertThat(get(api + "/api/runs/" + run.runId(), "wrong-token-0123456789").statusCode()).isEqualTo(401);
        HttpResponse<String> readOnlyCancel = http.send(HttpRequest.newBuilder(URI.create(api + "/api/runs/"
                + run.runId() + "/cancel")).header("Authorization", "Bearer " + READ)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(readOnlyCancel.statusCode()).isEqualTo(403);
      }
    }
  }

  HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15));
    if (token != null) b.header("Authorization", "Bearer " + token);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
