package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.backend.AttemptId;
import org.junit.jupiter.api.Test;

/** The loop waits on the signals while every slot is taken: an attempt's end must wake it, and nothing else. */
class SignalsTest {
  private final Signals signals = new Signals("test-executor", "process");
  private final Attempt attempt = new Attempt(new AttemptId("r1", "t", 1), 5_000, 20_000, 0, 0, signals);

  @Test
  void shouldReturnAtOnceWhenASignalIsQueuedAndLeaveItQueued() throws Exception {
    signals.add(new Signal.Tracking(attempt, "http://x"));

    assertThat(signals.awaitAny(10_000)).isTrue();
    assertThat(signals.poll()).isInstanceOf(Signal.Tracking.class);
  }

  @Test
  void shouldWakeWhenAnotherThreadAddsOne() throws Exception {
    Thread adder = new Thread(() -> {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
      signals.add(new Signal.Tracking(attempt, "http://x"));
    });
    adder.start();

    long t0 = System.nanoTime();
    assertThat(signals.awaitAny(30_000)).isTrue();
    assertThat((System.nanoTime() - t0) / 1_000_000).as("woken by the add, long before the timeout").isLessThan(20_000);
    adder.join();
  }

  @Test
  void shouldGiveUpAfterItsTimeout() throws Exception {
    assertThat(signals.awaitAny(50)).isFalse();
    assertThat(signals.isEmpty()).isTrue();
  }
}
