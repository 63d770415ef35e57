package dev.weft.coordinator.topology;

/**
 * How the fold paces its commits ({@link CommitPacer}).
 *
 * @param spacingMs the coordinator's commit interval: the least time from the end of one transaction to the commit
 *     of awaited outputs
 * @param clock the stream threads' transaction ends, told by their producers; null when the fold does not pace
 */
public record CommitPacing(long spacingMs, TransactionClock clock) {
  /**
   * Kafka Streams' own commit interval under a paced fold (never less than the spacing): how long events nobody waits
   * for may stay uncommitted. Streams' default under exactly-once.
   */
  public static final long IDLE_COMMIT_INTERVAL_MS = 100;

  /** Every commit left to Kafka Streams' interval: the topology test driver, which commits after every record. */
  public static final CommitPacing OFF = new CommitPacing(0, null);

  public boolean paced() {
    return clock != null;
  }
}
