package dev.weft.coordinator.topology;

import java.util.function.LongSupplier;

/**
 * When each stream thread's last transaction ended, as its producer reports it ({@code TransactionTimingClients}),
 * and when the thread took its first input after that end. The fold reads it on the same thread, so each thread sees
 * its own producer's transactions: with exactly_once_v2 a stream thread has one producer, and every commit of the
 * thread's tasks is one of its transactions.
 */
public final class TransactionClock {
  private static final class Ended {
    long count;
    long atNanos;
    /** When the thread took its first input after that end; -1 while it has taken none. */
    long firstInputAtNanos = -1;
    /** How many inputs the thread took since that end. */
    int inputsSinceEnd;
    /** How many inputs the thread took between the two last ends: what the last transaction carried. */
    int inputsOfLast = Integer.MAX_VALUE;
  }

  private final ThreadLocal<Ended> ended = ThreadLocal.withInitial(Ended::new);
  private final LongSupplier nanoTime;

  public TransactionClock() {
    this(System::nanoTime);
  }

  TransactionClock(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Called by the calling thread's producer once a transaction committed or aborted. */
  public void transactionEnded() {
    Ended e = ended.get();
    e.count++;
    e.atNanos = nanoTime.getAsLong();
    e.firstInputAtNanos = -1;
    e.inputsOfLast = e.inputsSinceEnd;
    e.inputsSinceEnd = 0;
  }

  /** Called by the fold on this thread before it decides on an input. */
  void inputTaken() {
    Ended e = ended.get();
    if (e.firstInputAtNanos < 0) e.firstInputAtNanos = nanoTime.getAsLong();
    e.inputsSinceEnd++;
  }

  /** How many inputs this thread's last ended transaction carried; {@link Integer#MAX_VALUE} before the first. */
  int inputsOfLastTransaction() {
    return ended.get().inputsOfLast;
  }

  /**
   * Whether this thread took input since its last transaction ended, and waited at least {@code quietNanos} for the
   * first of it (or had never committed): its input then came from a poll that found the topics idle, not from
   * records that were already waiting when the commit ended.
   */
  boolean waitedForInput(long quietNanos) {
    Ended e = ended.get();
    if (e.firstInputAtNanos < 0) return false;
    return e.count == 0 || e.firstInputAtNanos - e.atNanos >= quietNanos;
  }

  /** How many of this thread's transactions have ended. */
  long transactionsEnded() {
    return ended.get().count;
  }

  /** Since this thread's last transaction ended; {@link Long#MAX_VALUE} before its first. */
  long nanosSinceLastEnd() {
    Ended e = ended.get();
    return e.count == 0 ? Long.MAX_VALUE : nanoTime.getAsLong() - e.atNanos;
  }
}
