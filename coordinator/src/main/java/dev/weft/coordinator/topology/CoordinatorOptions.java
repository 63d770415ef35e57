package dev.weft.coordinator.topology;

import dev.weft.spec.SpecLimits;
import java.util.Map;

/**
 * Knobs of the fold.
 *
 * @param timerTickMs how often due timers are looked for (wall clock)
 * @param maxTimersPerTick bound on work per tick, so a burst of due timers cannot starve input processing
 * @param catchUpOffsets for a replay: per "topic:partition" the end offset when the replay started; while folding
 *     records below it nothing is published (that output exists already from the first fold), and no timer fires
 */
public record CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, Map<String, Long> catchUpOffsets) {
  public static final CoordinatorOptions DEFAULT = new CoordinatorOptions(100, 10_000, SpecLimits.DEFAULT, Map.of());

  public CoordinatorOptions {
    catchUpOffsets = Map.copyOf(catchUpOffsets);
  }

  public CoordinatorOptions withCatchUp(Map<String, Long> offsets) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, offsets);
  }

  static String partitionKey(String topic, int partition) {
    return topic + ":" + partition;
  }
}
