package dev.weft.executor;

import static dev.weft.avro.TaskEventKind.CANCELLED;
import static dev.weft.avro.TaskEventKind.FAILED;
import static dev.weft.avro.TaskEventKind.HEARTBEAT;
import static dev.weft.avro.TaskEventKind.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.noop.NoopBackend;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the loop makes of backends' signals, without a broker: given an attempt in the table, when its launch or
 * outcome is signalled, then the table, the lease and the queued events say so, in the order the log must show.
 */
class SignalApplierTest {
  private static final long NOW = 2_000_000;
  private static final AttemptId ID = new AttemptId("r1", "t", 1);

  private final Signals signals = new Signals("test-executor", "noop");
  private final RunningAttempts attempts = new RunningAttempts();
  private final AttemptLeases<Attempt> leases = new AttemptLeases<>();
  private final Outbox outbox = new Outbox();
  private final ExecutorCounters counters = new ExecutorCounters();
  private final AttemptStopper stopper = new AttemptStopper(new NoopBackend(), Duration.ofSeconds(1), counters, "test");
  private final SignalApplier applier = new SignalApplier(signals, attempts, leases, outbox, stopper,
      new AttemptEvents("exec-a"), counters);
  private final List<String> cancels = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    stopper.shutdownNow();
  }

  @Test
  void shouldQueueTheHandleBeforeAnOutcomeReportedWhileTheLaunchRan() {
    Attempt a = launching();

    a.finished(AttemptOutcome.success(0, "done"));
    assertThat(signals.isEmpty()).as("held back until the launch returned").isTrue();
    a.launchReturned(new Signal.Launched(a, handle("pid-7")));
    applier.drain(NOW);

    assertThat(kinds()).containsExactly(HEARTBEAT, SUCCEEDED);
    assertThat(outbox.items().get(0).event().getHandle()).isEqualTo("pid-7");
    assertThat(attempts.holds(ID)).isFalse();
    assertThat(leases.lastCommittedAtMs(ID)).as("released").isEqualTo(-1);
  }

  @Test
  void shouldFailAnAttemptWhoseLaunchWasRefusedWithTheBackendsKind() {
    Attempt a = launching();

    a.launchReturned(new Signal.LaunchFailed(a, FailureKind.INVALID_SPEC, "image not allowed by the policy"));
    applier.drain(NOW);

    assertThat(kinds()).containsExactly(FAILED);
    TaskEvent failed = outbox.items().get(0).event();
    assertThat(failed.getFailureKind()).isEqualTo(FailureKind.INVALID_SPEC);
    assertThat(failed.getReason()).isEqualTo("image not allowed by the policy");
    assertThat(attempts.holds(ID)).isFalse();
    assertThat(leases.lastCommittedAtMs(ID)).isEqualTo(-1);
    assertThat(counters.launchFailures()).isEqualTo(1);
  }

  @Test
  void shouldStopAnAttemptCancelledWhileItLaunchedAndReportItCancelled() throws Exception {
    Attempt a = launching();
    a.cancelReason = "user asked";

    a.launchReturned(new Signal.Launched(a, handle("pid-8")));
    applier.drain(NOW);
    assertThat(kinds()).as("no heartbeat for work being stopped").isEmpty();
    long deadline = System.currentTimeMillis() + 5_000;
    while (cancels.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(10);
    assertThat(cancels).containsExactly("user asked");
    a.finished(AttemptOutcome.failure(FailureKind.CANCELLED, 143, "SIGTERM", ""));
    applier.drain(NOW);

    assertThat(kinds()).containsExactly(CANCELLED);
    assertThat(outbox.items().get(0).event().getReason()).isEqualTo("user asked");
  }

  @Test
  void shouldDropTheSignalsOfAnAttemptNoLongerInTheTable() {
    Attempt a = launching();
    attempts.remove(ID);

    a.trackingUrl("http://spark-ui");
    applier.drain(NOW);

    assertThat(outbox.isEmpty()).isTrue();
  }

  private Attempt launching() {
    Attempt a = new Attempt(ID, 5_000, 20_000, 0, NOW, signals);
    attempts.put(a);
    leases.hold(ID, a, NOW, 20_000);
    a.launching();
    return a;
  }

  private RunningAttempt handle(String handle) {
    return new RunningAttempt() {
      @Override
      public String handle() {
        return handle;
      }

      @Override
      public void cancel(Duration grace, String reason) {
        cancels.add(reason);
      }
    };
  }

  private List<TaskEventKind> kinds() {
    return outbox.items().stream().map(o -> o.event().getKind()).toList();
  }
}
