package dev.weft.telemetry;

import dev.weft.sink.CompletionSink;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The completion sink's counters as metrics, read from {@link CompletionSink#counts()} at scrape time. An object found
 * already present is the sink re-reading what it wrote before a crash or a rebalance: exactly once in effect.
 */
public final class SinkMetrics {
  private SinkMetrics() {}

  /** The caller keeps {@code sink}: the counters hold it weakly, as every Micrometer function meter does. */
  public static void bind(CompletionSink sink, MeterRegistry registry) {
    FunctionCounter.builder("weft.sink.objects.written", sink, s -> s.counts().written())
        .description("History objects the sink created").register(registry);
    FunctionCounter.builder("weft.sink.objects.already.present", sink, s -> s.counts().alreadyPresent())
        .description("History objects found already written (re-read after a restart), not written again")
        .register(registry);
    FunctionCounter.builder("weft.sink.write.failures", sink, s -> s.counts().writeFailures())
        .description("Writes that failed and were retried after a backoff").register(registry);
    FunctionCounter.builder("weft.sink.dead.letters", sink, s -> s.counts().deadLettered())
        .description("Run events the sink could not read, copied to the dead-letter topic").register(registry);
  }
}
