package dev.weft.coordinator.topology;

import dev.weft.coordinator.decide.DeciderSettings;
import dev.weft.coordinator.decide.FoldDecider;
import dev.weft.spec.SpecLimits;
import java.time.Duration;

/**
 * Knobs of the fold.
 *
 * @param timerTickMs how often due timers are looked for (wall clock)
 * @param maxTimersPerTick bound on work per tick, so a burst of due timers cannot starve input processing
 * @param catchUp for a replay, what was already published; {@link CatchUp#NONE} otherwise
 * @param deciders makes the fold's decider; {@link FoldDecider#PRODUCTION} but in tests that wrap it
 * @param retainFinished how long a finished run stays in the stores after it finished ({@link #DEFAULT_RETAIN_FINISHED});
 *     zero keeps finished runs forever
 * @param mapSliceTasks how many instances of a task mapped over a count one decision creates and dispatches
 *     ({@link #DEFAULT_MAP_SLICE_TASKS})
 */
public record CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, CatchUp catchUp,
    FoldDecider.Factory deciders, Duration retainFinished, int mapSliceTasks) {
  /**
   * A week: long enough to look at last week's runs in the UI and with {@code weft status}, and for any client that
   * retries a submit with the same idempotency key; short enough that the stores hold days of runs, not all of them.
   */
  public static final Duration DEFAULT_RETAIN_FINISHED = Duration.ofDays(7);
  /**
   * 10,000 instances a decision: the 100,000-task fan-out's single decision took seconds and its transaction held
   * 700,000 records; a slice keeps both to a tenth, and the next slice is one timer tick away.
   */
  public static final int DEFAULT_MAP_SLICE_TASKS = 10_000;
  public static final CoordinatorOptions DEFAULT = new CoordinatorOptions(100, 10_000, SpecLimits.DEFAULT,
      CatchUp.NONE, FoldDecider.PRODUCTION, DEFAULT_RETAIN_FINISHED);

  public CoordinatorOptions {
    if (retainFinished == null || retainFinished.isNegative()) {
      throw new IllegalArgumentException("retainFinished must be 0 (keep forever) or more, was " + retainFinished);
    }
    if (mapSliceTasks < 1) throw new IllegalArgumentException("mapSliceTasks must be 1 or more, was " + mapSliceTasks);
  }

  /** Instances created {@link #DEFAULT_MAP_SLICE_TASKS} at a time. */
  public CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, CatchUp catchUp,
      FoldDecider.Factory deciders, Duration retainFinished) {
    this(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retainFinished, DEFAULT_MAP_SLICE_TASKS);
  }

  public CoordinatorOptions withCatchUp(CatchUp c) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, c, deciders, retainFinished, mapSliceTasks);
  }

  public CoordinatorOptions withDeciders(FoldDecider.Factory d) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, d, retainFinished, mapSliceTasks);
  }

  public CoordinatorOptions withRetainFinished(Duration retain) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retain, mapSliceTasks);
  }

  public CoordinatorOptions withLimits(SpecLimits l) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, l, catchUp, deciders, retainFinished, mapSliceTasks);
  }

  public CoordinatorOptions withMapSliceTasks(int n) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retainFinished, n);
  }

  /** What the deciders are configured with. */
  public DeciderSettings deciderSettings() {
    return new DeciderSettings(limits, retainFinished, mapSliceTasks);
  }
}
