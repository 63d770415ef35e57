package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When the fold asks Kafka Streams for a commit: only for awaited outputs, spaced from the last transaction's end. */
class CommitPacerTest {
  private long nowNanos = TimeUnit.SECONDS.toNanos(1);
  private final TransactionClock clock = new TransactionClock(() -> nowNanos);
  /** An input that waited in the topic longer than a light thread's fresh input, and less than a backlog's. */
  private static final long STALE_AGE_MS = 50;
  private int requests;
  private final CommitPacer pacer = new CommitPacer(10, clock, () -> requests++);

  private void advanceMs(long ms) {
    nowNanos += TimeUnit.MILLISECONDS.toNanos(ms);
  }

  @Test
  void shouldAskAtOnceForTheFirstAwaitedOutputBeforeAnyTransaction() {
    pacer.sent(true);

    assertThat(requests).isEqualTo(1);
  }

  @Test
  void shouldLeaveWhatNobodyAwaitsToTheStreamsInterval() {
    clock.transactionEnded();
    advanceMs(50);

    pacer.sent(false);
    pacer.tick();

    assertThat(requests).isZero();
    assertThat(pacer.pending()).isFalse();
    assertThat(pacer.waitMs()).as("no tick for what nobody awaits").isEqualTo(-1);
  }

  @Test
  void shouldWaitForTheIntervalCountedFromTheEndOfTheLastTransaction() {
    clock.transactionEnded();
    advanceMs(4);
    pacer.sent(true);
    assertThat(requests).isZero();
    assertThat(pacer.waitMs()).as("a tick 6 ms later").isEqualTo(6);

    advanceMs(5);
    pacer.tick();
    assertThat(requests).as("9 ms after the end").isZero();

    advanceMs(1);
    pacer.tick();
    assertThat(requests).as("10 ms after the end").isEqualTo(1);
    assertThat(pacer.waitMs()).as("no tick once asked for").isEqualTo(-1);
  }

  @Test
  void shouldNotAskTwiceForOneCommitWhenMoreAwaitedOutputsComeBeforeIt() {
    pacer.sent(true);
    pacer.sent(true);
    pacer.tick();

    assertThat(requests).isEqualTo(1);
    assertThat(pacer.pending()).isTrue();

    clock.transactionEnded();
    assertThat(pacer.pending()).as("committed by the transaction that ended").isFalse();
  }

  @Test
  void shouldNotAskWhenAnotherCommitTookTheAwaitedOutputsFirst() {
    clock.transactionEnded();
    pacer.sent(true);

    // Kafka Streams' own interval, or another task's request, committed them before the spacing was over.
    clock.transactionEnded();
    advanceMs(20);
    pacer.tick();

    assertThat(requests).isZero();
  }

  @Test
  void shouldAskAgainForOutputsSentAfterTheRequestedCommitEnded() {
    pacer.sent(true);
    clock.transactionEnded();

    pacer.sent(true);
    assertThat(requests).as("right after the commit").isEqualTo(1);
    advanceMs(10);
    pacer.tick();

    assertThat(requests).isEqualTo(2);
  }

  @Test
  void shouldAskAtOnceWhenTheThreadWaitedForItsInputAfterTheLastCommit() {
    clock.transactionEnded();
    advanceMs(2);
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(true);

    assertThat(requests).as("an idle thread has nothing to batch").isEqualTo(1);
  }

  @Test
  void shouldSpaceTheCommitWhenTheInputWasAlreadyWaitingAtTheEndOfTheLastCommit() {
    clock.transactionEnded();
    pacer.inputTaken(STALE_AGE_MS);
    advanceMs(2);
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(true);

    assertThat(requests).as("the first input came at once: a loaded thread").isZero();
    assertThat(pacer.waitMs()).isEqualTo(8);
  }

  @Test
  void shouldAskAtOnceForAnAwaitedOutputThatFollowsAQuietStartedInTheSameTransaction() {
    clock.transactionEnded();
    advanceMs(3);
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(false);
    advanceMs(1);
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(true);

    assertThat(requests).isEqualTo(1);
  }

  @Test
  void shouldJudgeTheWaitAfreshAfterEachCommit() {
    clock.transactionEnded();
    advanceMs(2);
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(true);
    clock.transactionEnded();
    pacer.inputTaken(STALE_AGE_MS);
    pacer.sent(true);

    assertThat(requests).as("the second input was waiting when the requested commit ended").isEqualTo(1);
  }

  /** A transaction that carried {@code inputs} inputs ends. */
  private void transactionWith(int inputs) {
    for (int i = 0; i < inputs; i++) pacer.inputTaken(STALE_AGE_MS);
    clock.transactionEnded();
  }

  @Test
  void shouldAskAtOnceWhenALightThreadTakesAFreshInputThatCameDuringTheCommit() {
    transactionWith(2);
    pacer.inputTaken(3);
    pacer.sent(true);

    assertThat(requests).as("two tasks' events a commit, and this one waited only for the commit").isEqualTo(1);
  }

  @Test
  void shouldSpaceTheCommitAfterATransactionThatCarriedMoreThanALightLoad() {
    transactionWith(CommitPacer.LIGHT_INPUTS + 1);
    pacer.inputTaken(3);
    pacer.sent(true);

    assertThat(requests).isZero();
    assertThat(pacer.waitMs()).isEqualTo(10);
  }

  @Test
  void shouldSpaceABacklogThoughEachOfItsTransactionsWasLight() {
    transactionWith(1);
    pacer.inputTaken(CommitPacer.FRESH_INPUT_MS + 1);
    pacer.sent(true);

    assertThat(requests).as("an input that aged in the topic: the thread is behind, and batching catches up").isZero();
  }

  @Test
  void shouldNotTakeAnInputStampedAheadOfThisClockForFresh() {
    transactionWith(1);
    pacer.inputTaken(-3);
    pacer.sent(true);

    assertThat(requests).isZero();
  }

  @Test
  void shouldSpaceWhatDueTimersSendAfterALightTransaction() {
    transactionWith(1);
    pacer.inputTaken(2);
    pacer.sent(false);
    pacer.timersFiring();
    pacer.sent(true);

    assertThat(requests).as("a timer's decision is no fresh input").isZero();
  }

  @Test
  void shouldSpaceABackloggedThreadsCommitsFartherApart() {
    clock.transactionEnded();
    pacer.inputTaken(CommitPacer.BACKLOG_AGE_MS);
    pacer.sent(true);
    assertThat(pacer.waitMs()).as("three commit intervals from the end").isEqualTo(30);

    advanceMs(10);
    pacer.tick();
    assertThat(requests).as("at the commit interval").isZero();

    advanceMs(20);
    pacer.tick();
    assertThat(requests).isEqualTo(1);
  }

  @Test
  void shouldReturnToTheIntervalOnceAnInputIsYoungerThanABacklog() {
    clock.transactionEnded();
    pacer.inputTaken(CommitPacer.BACKLOG_AGE_MS);
    pacer.sent(true);
    advanceMs(10);
    pacer.inputTaken(CommitPacer.BACKLOG_AGE_MS - 1);
    pacer.sent(false);

    assertThat(requests).as("the interval is over for an input that is not a backlog's").isEqualTo(1);
  }

  @Test
  void shouldKeepTheIntervalWhenAFreshInputCameBeforeAStalledOneInTheSameTransaction() {
    clock.transactionEnded();
    pacer.inputTaken(2);
    pacer.inputTaken(CommitPacer.BACKLOG_AGE_MS + 50); // one input held up, behind fresh ones: no backlog
    pacer.sent(true);

    assertThat(pacer.waitMs()).isEqualTo(10);
  }

  @Test
  void shouldJudgeTheBacklogAfreshAfterEachCommit() {
    clock.transactionEnded();
    pacer.inputTaken(2);
    clock.transactionEnded();
    pacer.inputTaken(CommitPacer.BACKLOG_AGE_MS);
    pacer.sent(true);

    assertThat(pacer.waitMs()).as("the fresh input belonged to the transaction before").isEqualTo(30);
  }
}
