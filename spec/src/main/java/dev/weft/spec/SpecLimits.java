package dev.weft.spec;

/**
 * Bounds that keep one request from hurting the others: spec size in bytes, number of tasks submitted, and number of
 * tasks a run may grow to with mapped and spawned tasks.
 */
public record SpecLimits(int maxSpecBytes, int maxTasks, int maxRunTasks) {
  /**
   * 8 MiB fits a 100,000-task generated pipeline; Kafka's request topic is configured to carry it. A run grows to as
   * many tasks as it may be submitted with: a coordinator started with {@code --max-run-tasks} allows more.
   */
  public static final SpecLimits DEFAULT = new SpecLimits(8 * 1024 * 1024, 200_000);

  public SpecLimits {
    if (maxRunTasks < maxTasks) {
      throw new IllegalArgumentException("maxRunTasks (" + maxRunTasks + ") must be at least maxTasks (" + maxTasks + ")");
    }
  }

  /** A run grows to no more tasks than it may be submitted with. */
  public SpecLimits(int maxSpecBytes, int maxTasks) {
    this(maxSpecBytes, maxTasks, maxTasks);
  }

  public SpecLimits withMaxRunTasks(int n) {
    return new SpecLimits(maxSpecBytes, maxTasks, n);
  }
}
