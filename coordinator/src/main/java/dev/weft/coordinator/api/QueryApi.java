package dev.weft.coordinator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's HTTP face: {@code GET /api/runs}, {@code GET /api/runs/{id}}, {@code GET /api/backfills/{id}},
 * {@code GET /api/stats} as JSON,
 * and a small web UI at {@code /} (runs, their tasks, tracking URLs, failures), refreshed every two seconds.
 * The JDK's own HTTP server is enough for this; no web framework.
 *
 * <p>The run list ({@code /api/runs} and the UI's index) is one page of the time-ordered run index
 * ({@link RunQuery}: {@code limit}, {@code before}, {@code pipeline}, {@code status}). Its body is the JSON array of
 * runs it always was; the next page's cursor is in the {@value #NEXT_BEFORE_HEADER} header and a {@code Link} header
 * with {@code rel="next"}.
 */
public final class QueryApi implements AutoCloseable {
  public static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  /** The cursor of the run list's next (older) page; absent on the last page. */
  public static final String NEXT_BEFORE_HEADER = "X-Weft-Next-Before";
  private static final Logger LOG = LoggerFactory.getLogger(QueryApi.class);
  /** Prometheus' text exposition format, version 0.0.4: what every Prometheus scrapes. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
  private final HttpServer server;
  private final RunLookup lookup;
  private final Supplier<Map<String, Object>> stats;

  public QueryApi(String host, int port, RunLookup lookup, Supplier<Map<String, Object>> stats) throws IOException {
    this(host, port, lookup, stats, null);
  }

  /**
   * @param metrics the Prometheus exposition of the service's metrics, served at {@code /metrics}; null for none
   */
  public QueryApi(String host, int port, RunLookup lookup, Supplier<Map<String, Object>> stats, Supplier<String> metrics)
      throws IOException {
    this.lookup = lookup;
    this.stats = stats;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "weft-query-api");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/api/runs", this::apiRuns);
    server.createContext("/api/backfills/", this::apiBackfill);
    server.createContext("/api/stats", ex -> send(ex, 200, "application/json", JSON.writeValueAsString(stats.get())));
    if (metrics != null) {
      server.createContext("/metrics", ex -> send(ex, 200, PROMETHEUS_TEXT, metrics.get()));
    }
    server.createContext("/runs/", this::htmlRun);
    server.createContext("/", this::htmlIndex);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void apiRuns(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String id = path.length() > "/api/runs/".length() ? path.substring("/api/runs/".length()) : null;
      if (id == null) {
        RunQuery query;
        RunPage page;
        try {
          query = RunQuery.parse(ex.getRequestURI().getRawQuery());
          page = lookup.runs(query);
        } catch (IllegalArgumentException e) {
          send(ex, 400, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
          return;
        }
        if (page.nextBefore() != null) {
          ex.getResponseHeaders().set(NEXT_BEFORE_HEADER, page.nextBefore());
          ex.getResponseHeaders().set("Link", "</api/runs?" + query.before(page.nextBefore()).toQueryString()
              + ">; rel=\"next\"");
        }
        send(ex, 200, "application/json", JSON.writeValueAsString(page.runs()));
        return;
      }
      Optional<RunView> run = lookup.run(id);
      if (run.isPresent()) {
        send(ex, 200, "application/json", JSON.writeValueAsString(run.get()));
      } else {
        send(ex, 404, "application/json", JSON.writeValueAsString(Map.of("error", "no run '" + id
            + "' is known to the coordinator; check the run id, or whether its request was rejected")));
      }
    } catch (IllegalStateException e) {
      send(ex, 503, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
    } catch (RuntimeException e) {
      LOG.error("query failed: {}", ex.getRequestURI(), e);
      send(ex, 500, "application/json", JSON.writeValueAsString(Map.of("error", String.valueOf(e))));
    }
  }

  private void apiBackfill(HttpExchange ex) throws IOException {
    String id = ex.getRequestURI().getPath().substring("/api/backfills/".length());
    try {
      Optional<BackfillView> backfill = lookup.backfill(id);
      if (backfill.isPresent()) {
        send(ex, 200, "application/json", JSON.writeValueAsString(backfill.get()));
      } else {
        send(ex, 404, "application/json", JSON.writeValueAsString(Map.of("error", "no backfill '" + id
            + "' is known to the coordinator")));
      }
    } catch (IllegalStateException e) {
      send(ex, 503, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
    } catch (RuntimeException e) {
      LOG.error("query failed: {}", ex.getRequestURI(), e);
      send(ex, 500, "application/json", JSON.writeValueAsString(Map.of("error", String.valueOf(e))));
    }
  }

  private void htmlIndex(HttpExchange ex) throws IOException {
    StringBuilder rows = new StringBuilder();
    RunQuery query = RunQuery.NEWEST;
    String older = "";
    try {
      query = RunQuery.parse(ex.getRequestURI().getRawQuery());
      RunPage page = lookup.runs(query);
      if (page.nextBefore() != null) {
        older = "<p><a href='/?" + esc(query.before(page.nextBefore()).toQueryString()) + "'>older runs</a></p>";
      }
      for (RunView r : page.runs()) {
        rows.append("<tr><td><a href='/runs/").append(esc(r.runId())).append("'>").append(esc(r.runId()))
            .append("</a></td><td>").append(esc(r.pipeline())).append("</td><td class='").append(esc(r.status()))
            .append("'>").append(esc(r.status())).append("</td><td>").append(r.taskCount()).append("</td><td>")
            .append(esc(String.valueOf(r.counts()))).append("</td></tr>");
      }
    } catch (IllegalStateException | IllegalArgumentException e) {
      rows.append("<tr><td colspan=5>").append(esc(e.getMessage())).append("</td></tr>");
    }
    send(ex, 200, "text/html", page("Weft runs", filters(query) + "<table><tr><th>run</th><th>pipeline</th>"
        + "<th>status</th><th>tasks</th><th>by status</th></tr>" + rows + "</table>" + older));
  }

  /** The run list's filters, as a plain GET form (its fields are {@link RunQuery}'s parameters). */
  private static String filters(RunQuery q) {
    StringBuilder options = new StringBuilder("<option value=''>any status</option>");
    for (dev.weft.avro.RunStatus s : dev.weft.avro.RunStatus.values()) {
      options.append("<option").append(s.name().equals(q.status()) ? " selected" : "").append(">").append(s.name())
          .append("</option>");
    }
    return "<form method='get' action='/'><input name='pipeline' placeholder='pipeline' value='"
        + esc(q.pipeline()) + "'> <select name='status'>" + options + "</select> <button>show</button> "
        + "<a href='/'>newest</a></form><br>";
  }

  private void htmlRun(HttpExchange ex) throws IOException {
    String id = ex.getRequestURI().getPath().substring("/runs/".length());
    Optional<RunView> run;
    try {
      run = lookup.run(id);
    } catch (IllegalStateException e) {
      send(ex, 503, "text/html", page("Weft", esc(e.getMessage())));
      return;
    }
    if (run.isEmpty()) {
      send(ex, 404, "text/html", page("Weft", "no run " + esc(id)));
      return;
    }
    RunView r = run.get();
    StringBuilder rows = new StringBuilder();
    for (TaskView t : r.tasks()) {
      rows.append("<tr><td>").append(esc(t.id())).append("</td><td class='").append(esc(t.status())).append("'>")
          .append(esc(t.status())).append("</td><td>").append(esc(t.executor())).append("</td><td>")
          .append(t.attempts()).append("</td><td>")
          .append(t.trackingUrl() == null ? "" : "<a href='" + esc(t.trackingUrl()) + "'>" + esc(t.trackingUrl()) + "</a>")
          .append("</td><td>").append(t.lastFailure() == null ? "" : esc(t.lastFailure())).append("</td><td><pre>")
          .append(t.logTail() == null ? "" : esc(tail(t.logTail(), 600))).append("</pre></td></tr>");
    }
    send(ex, 200, "text/html", page("Weft run " + r.runId(), "<p><a href='/'>all runs</a> · pipeline <b>"
        + esc(r.pipeline()) + "</b> · status <b class='" + esc(r.status()) + "'>" + esc(r.status()) + "</b> · "
        + esc(String.valueOf(r.counts())) + "</p><table><tr><th>task</th><th>status</th><th>executor</th>"
        + "<th>attempts</th><th>tracking URL</th><th>last failure</th><th>log tail</th></tr>" + rows + "</table>"));
  }

  private static String page(String title, String body) {
    return "<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='2'><title>"
        + esc(title) + "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}pre{margin:0;max-width:40em;"
        + "white-space:pre-wrap}.SUCCEEDED{color:#070}.FAILED,.TIMED_OUT,.UPSTREAM_FAILED{color:#b00}"
        + ".RUNNING,.DISPATCHED{color:#05a}</style></head><body><h1>" + esc(title) + "</h1>" + body + "</body></html>";
  }

  private static String tail(String s, int n) {
    return s.length() <= n ? s : "…" + s.substring(s.length() - n);
  }

  private static String esc(String s) {
    if (s == null) return "";
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
