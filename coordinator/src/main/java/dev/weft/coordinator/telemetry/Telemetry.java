package dev.weft.coordinator.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.function.Supplier;

/**
 * Where a service's metrics go and how they are read: the registry its meters register with, and the text a
 * {@code GET /metrics} answers (Prometheus' exposition format), or null when nobody scrapes this service. The CLI
 * that composes the services makes one (a Prometheus registry); the coordinator and executors only know Micrometer.
 */
public record Telemetry(MeterRegistry registry, Supplier<String> scrape) {
  /** Metrics that go nowhere: for tests, the benchmark and embedded use without a scraper. */
  public static Telemetry none() {
    return new Telemetry(new CompositeMeterRegistry(), null);
  }
}
