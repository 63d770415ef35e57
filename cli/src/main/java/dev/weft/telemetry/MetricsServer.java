package dev.weft.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.coordinator.telemetry.Telemetry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The health and metrics port of a service without a query API (an executor, the sink): {@code GET /metrics} in
 * Prometheus' text format and {@code GET /health} (200 while the service runs, 503 once it stopped), for a scraper and
 * for a Kubernetes probe.
 */
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;

  /**
   * @throws UncheckedIOException naming the address when the port cannot be bound
   */
  public MetricsServer(String host, int port, Telemetry telemetry, BooleanSupplier healthy) {
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the metrics port " + host + ":" + port + " (in use? pick another with "
          + "--metrics-port)", e);
    }
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "weft-metrics-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8",
        telemetry.scrape().get()));
    server.createContext("/health", ex -> {
      boolean ok = healthy.getAsBoolean();
      send(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "stopped\n");
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
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
