package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.executor.backend.AttemptId;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fencing decision on a clock the test moves; no broker. */
class AttemptLeasesTest {
  private static final AttemptId A = new AttemptId("r1", "a", 1);
  private static final AttemptId B = new AttemptId("r1", "b", 1);
  private static final long TIMEOUT = 30_000;
  private static final long STARTED_AT = 1_000_000;

  private final AttemptLeases<String> leases = new AttemptLeases<>();

  @Test
  void shouldFenceAnAttemptOnlyOnceNothingCommittedForLongerThanHalfItsHeartbeatTimeout() {
    leases.hold(A, "a", STARTED_AT, TIMEOUT);

    assertThat(leases.expire(STARTED_AT + 15_000)).as("at exactly the lease").isEmpty();
    List<AttemptLeases.Expired<String>> expired = leases.expire(STARTED_AT + 15_001);

    assertThat(expired).singleElement().satisfies(e -> {
      assertThat(e.id()).isEqualTo(A);
      assertThat(e.target()).isEqualTo("a");
      assertThat(e.silentMs()).isEqualTo(15_001);
      assertThat(e.leaseMs()).isEqualTo(15_000);
    });
    assertThat(leases.isFenced(A)).isTrue();
    assertThat(leases.expire(STARTED_AT + 60_000)).as("fenced once, not on every later check").isEmpty();
  }

  @Test
  void shouldCountTheLeaseFromTheStampOfTheLastCommittedHeartbeatNotFromWhenItCommitted() {
    leases.hold(A, "a", STARTED_AT, TIMEOUT);
    // A heartbeat stamped at +10 s whose transaction only committed at +14 s: the coordinator counts from +10 s.
    leases.renewed(A, STARTED_AT + 10_000);

    assertThat(leases.expire(STARTED_AT + 25_000)).isEmpty();
    assertThat(leases.expire(STARTED_AT + 25_001)).extracting(AttemptLeases.Expired::silentMs).containsExactly(15_001L);
  }

  @Test
  void shouldNotMoveTheLeaseBackwardsForAnOlderEventCommittingLate() {
    leases.hold(A, "a", STARTED_AT, TIMEOUT);
    leases.renewed(A, STARTED_AT + 10_000);
    // A heartbeat that failed to commit before, retried in a later transaction.
    leases.renewed(A, STARTED_AT + 5_000);

    assertThat(leases.lastCommittedAtMs(A)).isEqualTo(STARTED_AT + 10_000);
    assertThat(leases.expire(STARTED_AT + 25_000)).isEmpty();
  }

  @Test
  void shouldNotRenewAFencedAttempt() {
    leases.hold(A, "a", STARTED_AT, TIMEOUT);
    assertThat(leases.expire(STARTED_AT + 20_000)).hasSize(1);

    leases.renewed(A, STARTED_AT + 19_000);

    assertThat(leases.isFenced(A)).isTrue();
    assertThat(leases.lastCommittedAtMs(A)).isEqualTo(STARTED_AT);
  }

  @Test
  void shouldFenceEachAttemptByItsOwnTimeoutAndNeverOneThatEnded() {
    leases.hold(A, "a", STARTED_AT, 4_000);
    leases.hold(B, "b", STARTED_AT, TIMEOUT);
    AttemptId ended = new AttemptId("r1", "ended", 1);
    leases.hold(ended, "ended", STARTED_AT, 1_000);
    leases.release(ended);

    assertThat(leases.expire(STARTED_AT + 2_001)).extracting(AttemptLeases.Expired::id).containsExactly(A);
    assertThat(leases.expire(STARTED_AT + 15_001)).extracting(AttemptLeases.Expired::id).containsExactly(B);
    assertThat(leases.isFenced(ended)).isFalse();
  }

  @Test
  void shouldAssumeAHeartbeatTimeoutNoLongerThanTheCoordinatorsWhenTheCommandCarriesNone() {
    TaskCommand old = TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId("r").setTaskId("t").setAttempt(1)
        .setExecutor("process").setIssuedAtMs(0).setHeartbeatIntervalMs(5_000).build();
    TaskCommand current = TaskCommand.newBuilder(old).setHeartbeatTimeoutMs(60_000).build();

    assertThat(old.getHeartbeatTimeoutMs()).as("the schema's default").isZero();
    assertThat(AttemptLeases.heartbeatTimeoutMs(old, 5_000)).isEqualTo(20_000);
    assertThat(AttemptLeases.heartbeatTimeoutMs(current, 5_000)).isEqualTo(60_000);
    // The coordinator's rule: interval = clamp(timeout / 4, 200 ms, 5 s); 4 intervals never exceed the timeout.
    for (long timeout : new long[] {800, 1_000, 7_000, 20_000, 30_000, 600_000}) {
      long interval = Math.max(200, Math.min(5_000, timeout / 4));
      assertThat(AttemptLeases.assumedTimeoutMs(interval)).as("timeout %d", timeout).isLessThanOrEqualTo(timeout);
    }
  }

  @Test
  void shouldLeaveAThirdOfTheHeartbeatTimeoutForClockSkewAfterLeaseAndStop() {
    for (long timeout : new long[] {1_000, 30_000, 300_000}) {
      long lease = AttemptLeases.leaseMs(timeout);
      long grace = AttemptLeases.fenceGrace(timeout, ExecutorConfig.DEFAULT_CANCEL_GRACE).toMillis();
      assertThat(timeout - lease - grace).as("skew allowance at %d ms", timeout).isGreaterThanOrEqualTo(timeout / 3);
    }
    assertThat(AttemptLeases.fenceGrace(300_000, Duration.ofSeconds(10))).as("never longer than the cancel grace")
        .isEqualTo(Duration.ofSeconds(10));
  }
}
