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
 * @param sliceTasks the most tasks one decision creates and dispatches (a task mapped over a count) or deletes (an
 *     expiring run)
 *     ({@link #DEFAULT_SLICE_TASKS})
 */
public record CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, CatchUp catchUp,
    FoldDecider.Factory deciders, Duration retainFinished, int sliceTasks) {
  /**
   * A week: long enough to look at last week's runs in the UI and with {@code weft status}, and for any client that
   * retries a submit with the same idempotency key; short enough that the stores hold days of runs, not all of them.
   */
  public static final Duration DEFAULT_RETAIN_FINISHED = Duration.ofDays(7);
  /**
   * 10,000 instances a decision: the 100,000-task fan-out's single decision took seconds and its transaction held
   * 700,000 records; a slice keeps both to a tenth, and the next slice is one timer tick away.
   */
  public static final int DEFAULT_SLICE_TASKS = 10_000;
  public static final CoordinatorOptions DEFAULT = new CoordinatorOptions(100, 10_000, SpecLimits.DEFAULT,
      CatchUp.NONE, FoldDecider.PRODUCTION, DEFAULT_RETAIN_FINISHED);

  public CoordinatorOptions {
    if (retainFinished == null || retainFinished.isNegative()) {
      throw new IllegalArgumentException("retainFinished must be 0 (keep forever) or more, was " + retainFinished);
    }
    if (sliceTasks < 1) throw new IllegalArgumentException("sliceTasks must be 1 or more, was " + sliceTasks);
  }

  /** Instances created {@link #DEFAULT_SLICE_TASKS} at a time. */
  public CoordinatorOptions(long timerTickMs, int maxTimersPerTick, SpecLimits limits, CatchUp catchUp,
      FoldDecider.Factory deciders, Duration retainFinished) {
    this(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retainFinished, DEFAULT_SLICE_TASKS);
  }

  public CoordinatorOptions withCatchUp(CatchUp c) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, c, deciders, retainFinished, sliceTasks);
  }

  public CoordinatorOptions withDeciders(FoldDecider.Factory d) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, d, retainFinished, sliceTasks);
  }

  public CoordinatorOptions withRetainFinished(Duration retain) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retain, sliceTasks);
  }

  public CoordinatorOptions withLimits(SpecLimits l) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, l, catchUp, deciders, retainFinished, sliceTasks);
  }

  public CoordinatorOptions withSliceTasks(int n) {
    return new CoordinatorOptions(timerTickMs, maxTimersPerTick, limits, catchUp, deciders, retainFinished, n);
  }

  /** What the deciders are configured with. */
  public DeciderSettings deciderSettings() {
    return new DeciderSettings(limits, retainFinished, sliceTasks);
  }
}
