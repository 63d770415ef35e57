package dev.weft.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.embedded.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus on loopback (Debian's {@code prometheus} package, which runs without network), scraping the given
 * targets every second, with its query API for assertions. A machine without {@code prometheus} on the PATH fails the
 * test that needs it; {@code tests/run-tests.sh} installs it.
 */
final class LocalPrometheus implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final int port;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private LocalPrometheus(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** One scrape job per target: {@code job -> host:port}, scraping {@code /metrics} every second. */
  static LocalPrometheus start(Path dir, List<Target> targets) throws Exception {
    Files.createDirectories(dir);
    StringBuilder config = new StringBuilder("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n");
    for (Target t : targets) {
      config.append("  - job_name: ").append(t.job()).append("\n    static_configs: [{targets: ['")
          .append(t.address()).append("']}]\n");
    }
    Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
    int port = Ports.free();
    Path log = dir.resolve("prometheus.log");
    Process p;
    try {
      p = new ProcessBuilder("prometheus", "--config.file=" + configFile, "--storage.tsdb.path=" + dir.resolve("data"),
          "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start prometheus (Debian package 'prometheus'; tests/run-tests.sh installs "
          + "it): " + e.getMessage(), e);
    }
    LocalPrometheus prom = new LocalPrometheus(p, port, log);
    try {
      Conditions.await(READY_TIMEOUT, "prometheus ready on port " + port, () -> {
        if (!p.isAlive()) throw new IllegalStateException("prometheus exited: " + Files.readString(log));
        return prom.get("/-/ready").statusCode() == 200;
      });
    } catch (Exception | Error e) {
      prom.close();
      throw e;
    }
    return prom;
  }

  record Target(String job, String address) {}

  /**
   * The value of an instant query's first sample, or NaN when it has none.
   *
   * @throws IllegalStateException when the query is refused, with Prometheus' error
   */
  double value(String promql) throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = JSON.readTree(r.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new IllegalStateException("query " + promql + " failed: " + r.body());
    }
    JsonNode result = body.path("data").path("result");
    if (!result.isArray() || result.isEmpty()) return Double.NaN;
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  /** Every series' labels of an instant query, as text: for failure messages. */
  String describe(String promql) throws Exception {
    return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  String logTail() {
    try {
      String s = Files.readString(log);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
