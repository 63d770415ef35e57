package dev.weft.coordinator.topology;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the fold, readable by tests, the benchmark and the query API, and published as metrics (with
 * {@link FoldMetrics}' histograms) to the registry it was made with.
 */
public final class FoldStats {
  final AtomicLong processed = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong commands = new AtomicLong();
  final AtomicLong timersFired = new AtomicLong();
  final AtomicLong suppressedCommands = new AtomicLong();
  final AtomicLong runsExpired = new AtomicLong();
  final Map<String, AtomicLong> ignored = new ConcurrentHashMap<>();
  final FoldMetrics metrics;

  /** Counters only: the metrics go to a registry nobody reads. */
  public FoldStats() {
    this(new CompositeMeterRegistry());
  }

  public FoldStats(MeterRegistry registry) {
    this.metrics = new FoldMetrics(registry);
    FunctionCounter.builder("weft.coordinator.inputs", processed, AtomicLong::get)
        .description("Requests and task events the fold decided on").register(registry);
    FunctionCounter.builder("weft.coordinator.commands", commands, AtomicLong::get)
        .description("Commands sent to executors").register(registry);
    FunctionCounter.builder("weft.coordinator.timers.fired", timersFired, AtomicLong::get)
        .description("Timers that came due (retries, timeouts, lost attempts)").register(registry);
    FunctionCounter.builder("weft.coordinator.ignored", this, FoldStats::ignoredTotal)
        .description("Well-formed inputs not acted on: duplicates and late events").register(registry);
  }

  /** Adds another fold's counters to these: a replay's live phase carries on its catch-up phase's. */
  public void add(FoldStats other) {
    processed.addAndGet(other.processed());
    deadLettered.addAndGet(other.deadLettered());
    commands.addAndGet(other.commands());
    timersFired.addAndGet(other.timersFired());
    suppressedCommands.addAndGet(other.suppressedCommands());
    runsExpired.addAndGet(other.runsExpired());
    other.ignored.forEach((k, v) -> ignored.computeIfAbsent(k, x -> new AtomicLong()).addAndGet(v.get()));
  }

  public long processed() {
    return processed.get();
  }

  public long deadLettered() {
    return deadLettered.get();
  }

  public long commands() {
    return commands.get();
  }

  public long timersFired() {
    return timersFired.get();
  }

  /** Commands held back while a replay catches up to where the log ended when it started. */
  public long suppressedCommands() {
    return suppressedCommands.get();
  }

  /** Finished runs removed from the stores once their retention was over. */
  public long runsExpired() {
    return runsExpired.get();
  }

  public long ignoredTotal() {
    return ignored.values().stream().mapToLong(AtomicLong::get).sum();
  }

  public Map<String, Long> ignored() {
    Map<String, Long> out = new java.util.TreeMap<>();
    ignored.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
