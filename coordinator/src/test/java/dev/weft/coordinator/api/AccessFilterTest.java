package dev.weft.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 17 §4: the API and UI with a read and an operate token configured. */
class AccessFilterTest {
  static final String READ = "read-token-0123456789";
  static final String OPERATE = "operate-token-0123456789";
  static final RunView RUN = new RunView("r-1", "etl", "RUNNING", "alice", Map.of(), 1L, null, 0, Map.of(), null,
      List.of(), null, null);
  final List<String> cancels = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();
  QueryApi api;

  @TempDir
  Path tmp;

  @BeforeEach
  void start() throws Exception {
    Path file = Files.writeString(tmp.resolve("tokens"), "# scope token\nread " + READ + "\n\noperate " + OPERATE + "\n");
    RunLookup lookup = new RunLookup() {
      @Override
      public Optional<RunView> run(String runId) {
        return Optional.of(RUN);
      }

      @Override
      public RunPage runs(RunQuery query) {
        return new RunPage(List.of(RUN), null);
      }
    };
    api = new QueryApi("127.0.0.1", 0, lookup, Map::of, () -> "# metrics\n",
        (runId, task, reason, requester) -> cancels.add(runId), ApiTokens.read(file));
  }

  @AfterEach
  void stop() {
    api.close();
  }

  HttpResponse<String> send(String method, String path, String token, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}")
            : HttpRequest.BodyPublishers.noBody())
        .header("Content-Type", "application/json");
    if (token != null) b.header("Authorization", "Bearer " + token);
    if (cookie != null) b.header("Cookie", cookie);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void shouldAnswerUnauthorizedWithoutATokenOrWithAWrongOneAndSayNothingMore() throws Exception {
    for (String path : List.of("/api/runs", "/api/runs/r-1", "/api/stats", "/metrics")) {
      for (String token : new String[] {null, "wrong-token-0123456789", READ + "x"}) {
        HttpResponse<String> r = send("GET", path, token, null);
        assertThat(r.statusCode()).as("%s with %s", path, token).isEqualTo(401);
        assertThat(r.body()).doesNotContain("alice").doesNotContain("token-0123").contains("unauthorized");
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"weft\"");
      }
    }
    assertThat(send("POST", "/api/runs/r-1/cancel", null, null).statusCode()).isEqualTo(401);
    HttpResponse<String> page = send("GET", "/runs/r-1", null, null);
    assertThat(page.statusCode()).isEqualTo(401);
    assertThat(page.body()).contains("action=\"/login\"");
    assertThat(cancels).isEmpty();
  }

  @Test
  void shouldLetAReadTokenReadButNotCancel() throws Exception {
    for (String path : List.of("/api/runs", "/api/runs/r-1", "/api/stats", "/metrics", "/", "/runs/r-1")) {
      assertThat(send("GET", path, READ, null).statusCode()).as(path).isEqualTo(200);
    }
    HttpResponse<String> r = send("POST", "/api/runs/r-1/cancel", READ, null);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("forbidden").doesNotContain("operate");
    assertThat(cancels).isEmpty();
  }

  @Test
  void shouldLetAnOperateTokenReadAndCancel() throws Exception {
    assertThat(send("GET", "/api/runs/r-1", OPERATE, null).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/api/runs/r-1/cancel", OPERATE, null).statusCode()).isEqualTo(202);
    assertThat(cancels).containsExactly("r-1");
  }

  @Test
  void shouldTradeALinksTokenForAnHttpOnlySameSiteCookieAndDropItFromTheAddress() throws Exception {
    HttpResponse<String> r = send("GET", "/runs/r-1?token=" + OPERATE + "&x=1", null, null);

    assertThat(r.statusCode()).isEqualTo(303);
    assertThat(r.headers().firstValue("Location")).hasValue("/runs/r-1?x=1");
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).startsWith("weft_token=" + OPERATE + ";").contains("HttpOnly").contains("SameSite=Strict");
    String sent = cookie.substring(0, cookie.indexOf(';'));
    assertThat(send("GET", "/api/runs/r-1", null, sent).statusCode()).isEqualTo(200);
    assertThat(send("POST", "/api/runs/r-1/cancel", null, sent).statusCode()).isEqualTo(202);
    assertThat(send("GET", "/runs/r-1?token=wrong-token-0123456789", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void shouldSignInThroughTheLoginForm() throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded");
    HttpResponse<String> ok = http.send(b.POST(HttpRequest.BodyPublishers.ofString("token=" + READ)).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> bad = http.send(b.POST(HttpRequest.BodyPublishers.ofString("token=nope")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(ok.statusCode()).isEqualTo(303);
    assertThat(ok.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).contains(READ));
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void shouldServeTheUisScriptsToAnyone() throws Exception {
    assertThat(send("GET", "/ui/weft.css", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void shouldRefuseATokenFileWithABadLineWithoutPrintingTheToken() throws Exception {
    Path file = Files.writeString(tmp.resolve("bad"), "admin secret-secret-secret\n");
    assertThatThrownBy(() -> ApiTokens.read(file)).hasMessageContaining("line 1").hasMessageNotContaining("secret");
    Path shortToken = Files.writeString(tmp.resolve("short"), "read abc\n");
    assertThatThrownBy(() -> ApiTokens.read(shortToken)).hasMessageContaining("at least 16");
  }
}
