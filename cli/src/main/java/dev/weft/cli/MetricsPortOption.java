package dev.weft.cli;

import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.telemetry.MetricsServer;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} ({@code WEFT_METRICS_PORT}) and {@code --metrics-host}: the health and metrics port of a
 * service without a query API (an executor, the sink). Off unless given: several services on one host would
 * otherwise fight over a default port.
 */
final class MetricsPortOption {
  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "serve /metrics and /health on this port; 0 picks a free one (env WEFT_METRICS_PORT; default none)")
  String port;

  @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "the address /metrics binds to (default ${DEFAULT-VALUE})")
  String host;

  /**
   * Opens the port when one was asked for.
   *
   * @param healthy what {@code /health} answers: 200 while true, 503 once false
   * @return the server, or null when no port was given
   */
  MetricsServer open(Telemetry telemetry, BooleanSupplier healthy) {
    Integer p = port();
    return p == null ? null : new MetricsServer(host, p, telemetry, healthy);
  }

  /** The option or its environment variable (0: any free port), or null when neither is given. */
  Integer port() {
    String v = Environment.or(port, "WEFT_METRICS_PORT", null);
    if (v == null) return null;
    try {
      int p = Integer.parseInt(v);
      if (p < 0 || p > 65535) throw new NumberFormatException();
      return p;
    } catch (NumberFormatException e) {
      throw new UsageException("--metrics-port takes a port number (0 for any free one), not '" + v + "'");
    }
  }

  /** What a service's ready line adds when the port is open. */
  static String describe(MetricsServer server) {
    return server == null ? "" : "; /metrics and /health on port " + server.port();
  }
}
