package dev.weft.coordinator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The coordinator's HTTP face, on the JDK's own HTTP server (no web framework): it only binds the handlers.
 * {@link RunsHandler} serves {@code /api/runs} (the run list, one run, cancel), {@link BackfillsHandler}
 * {@code /api/backfills/{id}}, {@link SchedulesHandler} {@code /api/schedules[/{name}]}, {@code /api/stats} and
 * {@code /metrics} are served here, and {@link UiHandler} serves the web UI at {@code /}. {@link AccessFilter} asks
 * each of them for a token when tokens are configured.
 *
 * <p>The run list ({@code /api/runs} and the UI's index) is one page of the time-ordered run index
 * ({@link RunQuery}: {@code limit}, {@code before}, {@code pipeline}, {@code status}, {@code requester}). Its body is
 * the JSON array of runs it always was; the next page's cursor is in the {@value #NEXT_BEFORE_HEADER} header and a
 * {@code Link} header with {@code rel="next"}.
 */
public final class QueryApi implements AutoCloseable {
  public static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
  /** The cursor of the run list's next (older) page; absent on the last page. */
  public static final String NEXT_BEFORE_HEADER = "X-Weft-Next-Before";
  /** Prometheus' text exposition format, version 0.0.4: what every Prometheus scrapes. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4";
  private final HttpServer server;

  public QueryApi(String host, int port, RunLookup lookup, Supplier<Map<String, Object>> stats) throws IOException {
    this(host, port, lookup, stats, null, CancelRequests.NONE, ApiTokens.OPEN);
  }

  /**
   * @param metrics the Prometheus exposition of the service's metrics, served at {@code /metrics}; null for none
   * @param cancels where the cancel endpoint publishes its requests
   * @param tokens the tokens every request must present ({@link AccessFilter}); {@link ApiTokens#OPEN} for none
   */
  public QueryApi(String host, int port, RunLookup lookup, Supplier<Map<String, Object>> stats, Supplier<String> metrics,
      CancelRequests cancels, ApiTokens tokens) throws IOException {
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "weft-query-api");
      t.setDaemon(true);
      return t;
    }));
    AccessFilter access = new AccessFilter(tokens);
    server.createContext("/api/runs", new RunsHandler(lookup, cancels)).getFilters().add(access);
    server.createContext("/api/stats", ex -> HttpResponses.json(ex, 200, stats.get())).getFilters().add(access);
    server.createContext("/api/backfills/", new BackfillsHandler(lookup)).getFilters().add(access);
    server.createContext(SchedulesHandler.PATH, new SchedulesHandler(lookup)).getFilters().add(access);
    if (metrics != null) {
      server.createContext("/metrics", ex -> HttpResponses.send(ex, 200, PROMETHEUS_TEXT, metrics.get()))
          .getFilters().add(access);
    }
    server.createContext("/", new UiHandler()).getFilters().add(access);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
