package dev.weft.spec;

/** Bounds that keep one request from hurting the others: spec size in bytes and number of tasks. */
public record SpecLimits(int maxSpecBytes, int maxTasks) {
  /** 8 MiB fits a 100,000-task generated pipeline; Kafka's request topic is configured to carry it. */
  public static final SpecLimits DEFAULT = new SpecLimits(8 * 1024 * 1024, 200_000);
}
