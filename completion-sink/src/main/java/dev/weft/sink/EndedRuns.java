package dev.weft.sink;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The runs whose last event (RUN_FINISHED or RUN_REJECTED) this sink has written lately: what a caller that waits for
 * one run's history ({@code weft run}, before it stops its throwaway stack) waits on. Its events come before that one
 * on the run's partition, so they are written too. The newest {@link #KEPT} only: a caller asks right after the run
 * ended.
 */
final class EndedRuns {
  static final int KEPT = 10_000;

  private final Map<String, Boolean> ended = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > KEPT;
    }
  };

  /** The sink's thread, once an event's history (and lineage) is written. */
  synchronized void written(RunEvent event) {
    if (event.getKind() != RunEventKind.RUN_FINISHED && event.getKind() != RunEventKind.RUN_REJECTED) return;
    ended.put(event.getRunId(), Boolean.TRUE);
    notifyAll();
  }

  /** @return false when the run's end was not written before {@code deadline} (nanoTime), or the sink stopped */
  synchronized boolean await(String runId, long deadline, BooleanSupplier sinkRunning) throws InterruptedException {
    while (!ended.containsKey(runId)) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !sinkRunning.getAsBoolean()) return false;
      // Bounded, so that a sink thread that died is noticed.
      wait(Math.max(1, Math.min(left / 1_000_000, 100)));
    }
    return true;
  }
}
