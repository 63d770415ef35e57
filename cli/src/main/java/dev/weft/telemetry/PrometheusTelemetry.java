package dev.weft.telemetry;

import dev.weft.coordinator.telemetry.Telemetry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The metrics of one Weft process in Prometheus' format: one registry shared by every service the process runs (so
 * {@code weft dev}'s {@code /metrics} serves the whole stack), with the JVM's own meters and a {@code service} tag
 * naming what the process is.
 */
public final class PrometheusTelemetry {
  private PrometheusTelemetry() {}

  /** @param service what this process runs: coordinator, executor, sink, dev */
  public static Telemetry create(String service) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("service", service);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    // Its GC listeners live as long as the JVM, as does this registry: nothing to close.
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return new Telemetry(registry, registry::scrape);
  }
}
