package dev.weft.coordinator.topology;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The boundary of a replay: per "topic:partition" the offset below which the input was already folded (and its
 * output already published) by the coordinator being replaced. Records below it are folded silently. Timers are
 * held until the replay driver has seen every partition past its boundary and calls {@link #finish()}; a processor
 * cannot tell by itself, because transaction markers take offsets that are never delivered as records.
 */
public final class CatchUp {
  public static final CatchUp NONE = new CatchUp(Map.of(), true);
  private final Map<String, Long> boundaries;
  private final AtomicBoolean done;

  private CatchUp(Map<String, Long> boundaries, boolean done) {
    this.boundaries = Map.copyOf(boundaries);
    this.done = new AtomicBoolean(done);
  }

  public static CatchUp until(Map<String, Long> boundaries) {
    return new CatchUp(boundaries, boundaries.isEmpty());
  }

  boolean isBelow(String topic, int partition, long offset) {
    Long b = boundaries.get(topic + ":" + partition);
    return b != null && offset < b;
  }

  boolean done() {
    return done.get();
  }

  /** Every partition is past its boundary: timers may fire again. */
  public void finish() {
    done.set(true);
  }
}
