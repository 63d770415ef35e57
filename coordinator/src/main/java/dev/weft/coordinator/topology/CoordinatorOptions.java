package dev.weft.coordinator.topology;

import dev.weft.coordinator.decide.FoldDecider;
import dev.weft.spec.SpecLimits;

/**
 * Knobs of the fold.
 *
 * @param timerTickMs how often due timers are looked for (wall clock)
 * @param maxTimersPerTick bound on work per tick, so a burst of due timers cannot starve input processing
 * @param catchUp for a replay, what was already published; {@link CatchUp#NONE} otherwise
 * @param deciders makes the fold's decider; {@link FoldDecider#PRODUCTION} but in tests that wrap it
 */
public record CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, CatchUp catchUp,
    FoldDecider.Factory deciders) {
  public static final CoordinatorOptions DEFAULT =
      new CoordinatorOptions(100, 10_000, SpecLimits.DEFAULT, CatchUp.NONE, FoldDecider.PRODUCTION);

  public CoordinatorOptions withCatchUp(CatchUp c) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, c, deciders);
  }

  public CoordinatorOptions withDeciders(FoldDecider.Factory d) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, d);
  }
}
