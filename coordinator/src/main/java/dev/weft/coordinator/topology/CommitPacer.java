package dev.weft.coordinator.topology;

import java.util.concurrent.TimeUnit;

/**
 * Asks Kafka Streams for a commit as soon as a decision's outputs are awaited: at once when the thread had been
 * waiting for input or is lightly loaded, else no sooner than the commit interval after the thread's last transaction
 * ended; what nobody waits for rides with the next commit.
 *
 * <p>Why: a transaction costs the broker and the client about the same whatever it carries. Committed every 10 ms,
 * the coordinator spent one transaction on one or two events when tasks were real processes (tens a second), and
 * two thirds of a {@code true}'s CPU went to Kafka (docs/performance.md, "Where a real task's time goes"). Most
 * events change nothing anyone waits for: a STARTED, a heartbeat, a tracking URL, a task's end that frees no
 * other task. Those now wait for Kafka Streams' own interval ({@link CommitPacing#IDLE_COMMIT_INTERVAL_MS}); a
 * command, a run's acceptance, rejection or end, a dead letter and what the fold writes back to its own input go out
 * within the commit interval, as before ({@code Decision#awaited()}).
 *
 * <p>The spacing counts from the end of the last transaction, as Kafka Streams counts its interval: spaced from
 * the request instead, a commit that took 8 ms of a 10 ms interval was followed by the next 2 ms after it, and
 * under load the coordinator committed back to back (tried on the code of commit d66b387 and not kept: noop
 * throughput fell by up to half).
 *
 * <p>The spacing is for a thread whose input piles up while it commits: it makes each transaction carry more. A
 * thread that waited for its input ({@link TransactionClock#waitedForInput}, at least {@link #QUIET_GAP_MS} after the
 * end) has nothing to batch, and spacing only delayed its command: at 200 tasks/s offered, dispatch p50 was 15 ms
 * against 5 ms for a relay that commits at once and 9 ms for one that commits every 10 ms (2026-12-03, commit
 * d84103b). It commits at once, as that relay does; under load the first input after a commit is already waiting.
 *
 * <p>Nor has a lightly loaded thread whose input came while it committed: at 200 tasks/s a commit takes about as long
 * as the time between two tasks' events (5 ms), so nearly every input found a commit under way, was waiting when it
 * ended, and then waited the whole spacing; the coordinator committed every 15 ms and dispatched at 15–18 ms p50.
 * Committing at once after a transaction that carried at most {@link #LIGHT_INPUTS} inputs, it dispatched at 6–13 ms
 * (docs/performance.md, "A light load commits at once"). That rule alone would feed itself: Kafka Streams processes
 * fewer records between commits the more often it commits, so a backlog taken one commit per input would keep every
 * transaction light. So the input must also be fresh, appended at most {@link #FRESH_INPUT_MS} before the fold took
 * it: a backlog's records age while they wait, and it is spaced again within a few commits.
 *
 * <p>A thread with a backlog, every input of whose transaction so far waited {@link #BACKLOG_AGE_MS} or more in the
 * topic, spaces its commits {@link #BACKLOG_SPACING_FACTOR} times as far apart. A commit's time is spent waiting for
 * the broker, and with 10 ms between commits the saturated stream thread of the throughput section used 0.6 of a core
 * (JFR, 2026-12-04); the section ran 15 to 20 % faster with the commit interval at 25 ms. An input that already
 * waited 100 ms waits at most 20 ms more for its commit, and the backlog behind it drains sooner. A thread that keeps
 * up takes fresh inputs in every transaction. Every input, not the last: with the last input's age alone, the
 * dispatch section at 1,000 tasks/s on a slow machine fell into the longer spacing and stayed there, at 45 ms p50
 * against 19 (2026-12-04).
 *
 * <p>One per fold processor, that is per stream task; the clock is its thread's. A commit commits every task of the
 * thread, so any task's request carries every task's outputs.
 */
final class CommitPacer {
  /**
   * The least wait for input, after a commit ended, that says the thread is not loaded. Records that arrived during a
   * commit are already fetched when it ends, and the fold takes the first of them well within a millisecond: the
   * throughput section, saturated, ran at the same rate with this rule as without it (2026-12-03).
   */
  static final long QUIET_GAP_MS = 1;
  private static final long QUIET_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(QUIET_GAP_MS);
  /** The most inputs a transaction carried for the thread to count as lightly loaded after it: two tasks' events. */
  static final int LIGHT_INPUTS = 4;
  /**
   * The oldest an input may be, by its record's timestamp, for a light thread to commit its outputs at once: about
   * what one commit takes, so that an input that only waited for the commit under way counts as fresh. A producer's
   * clock ahead of this one makes the age negative, which does not count as fresh either.
   */
  static final long FRESH_INPUT_MS = 6;
  /**
   * The age, by its record's timestamp, from which an input counts as a backlog's: when every input of the thread's
   * transaction so far is that old, its commits are spaced {@link #BACKLOG_SPACING_FACTOR} times as far apart.
   */
  static final long BACKLOG_AGE_MS = 100;
  /** How much farther apart a backlogged thread's commits are than the commit interval. */
  static final int BACKLOG_SPACING_FACTOR = 3;
  private final long spacingNanos;
  private final long backlogSpacingNanos;
  private final TransactionClock clock;
  private final Runnable requestCommit;
  /** The thread's count of ended transactions when the oldest uncommitted awaited output was sent; -1 for none. */
  private long pendingSinceEnded = -1;
  private boolean requested;
  /** The age of the last input the fold took, by its record's timestamp; -1 for a timer's tick. */
  private long lastInputAgeMs = -1;
  /** The youngest input taken since the thread's transaction numbered {@link #agesSinceEnded} ended; -1 for none. */
  private long youngestSinceEndMs = -1;
  private long agesSinceEnded = -1;

  /**
   * @param spacingMs the least time from the end of one transaction to the commit of awaited outputs
   * @param requestCommit asks Kafka Streams to commit after the current record ({@code ProcessorContext#commit})
   */
  CommitPacer(long spacingMs, TransactionClock clock, Runnable requestCommit) {
    this.spacingNanos = TimeUnit.MILLISECONDS.toNanos(spacingMs);
    this.backlogSpacingNanos = spacingNanos * BACKLOG_SPACING_FACTOR;
    this.clock = clock;
    this.requestCommit = requestCommit;
  }

  /**
   * Before each input is decided on.
   *
   * @param ageMs how long before now the input's record was stamped
   */
  void inputTaken(long ageMs) {
    clock.inputTaken();
    lastInputAgeMs = ageMs;
    long ended = clock.transactionsEnded();
    if (ended != agesSinceEnded) {
      agesSinceEnded = ended;
      youngestSinceEndMs = Math.max(0, ageMs);
    } else {
      youngestSinceEndMs = Math.min(youngestSinceEndMs, Math.max(0, ageMs));
    }
  }

  /** Before the fold decides on due timers: what it sends then was not fresh input. */
  void timersFiring() {
    lastInputAgeMs = -1;
  }

  /** After a decision's outputs were sent; {@code awaited} when someone waits for one of them. */
  void sent(boolean awaited) {
    if (awaited && !pending()) {
      pendingSinceEnded = clock.transactionsEnded();
      requested = false;
    }
    tick();
  }

  /**
   * Asks for the commit when the thread waited for its input, when it is lightly loaded and its input fresh, or once
   * the spacing is over: after every decision, and
   * on the tick {@link #waitMs()} asks for.
   */
  void tick() {
    if (pending() && !requested
        && (clock.waitedForInput(QUIET_GAP_NANOS) || lightAndFresh() || clock.nanosSinceLastEnd() >= spacing())) {
      requested = true;
      requestCommit.run();
    }
  }

  /**
   * The commit interval, or the backlog's longer spacing when every input taken since the last transaction ended
   * waited {@link #BACKLOG_AGE_MS} or more (a record stamped ahead of this clock counts as fresh).
   */
  private long spacing() {
    boolean backlog = agesSinceEnded == clock.transactionsEnded() && youngestSinceEndMs >= BACKLOG_AGE_MS;
    return backlog ? backlogSpacingNanos : spacingNanos;
  }

  private boolean lightAndFresh() {
    return clock.inputsOfLastTransaction() <= LIGHT_INPUTS && lastInputAgeMs >= 0 && lastInputAgeMs <= FRESH_INPUT_MS;
  }

  /**
   * How long until the commit of waiting outputs may be asked for, at least 1 ms; -1 when nothing waits (none pending,
   * or already asked for). The fold calls {@link #tick()} that much later unless another decision comes first: a tick
   * on a fixed short period would also run under load, where every decision checks, and each punctuation makes Kafka
   * Streams process fewer records between its checks.
   */
  long waitMs() {
    if (!pending() || requested) return -1;
    long left = spacing() - clock.nanosSinceLastEnd();
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + TimeUnit.MILLISECONDS.toNanos(1) - 1));
  }

  /** Whether awaited outputs were sent that no transaction has committed since. */
  boolean pending() {
    return pendingSinceEnded >= 0 && clock.transactionsEnded() == pendingSinceEnded;
  }
}
