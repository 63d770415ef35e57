package dev.weft.coordinator.decide;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.coordinator.state.TaskState;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPoliciesTest {

  static TaskState task(String id, long backoff, double mult, long max, double jitter, List<Integer> nonRetryable) {
    return TaskState.newBuilder().setRunId("run").setTaskId(id).setExecutor("noop").setStatus("RUNNING")
        .setUnmetDeps(0).setSpecJson("{}").setMaxAttempts(4).setBackoffMs(backoff).setMultiplier(mult)
        .setMaxBackoffMs(max).setJitter(jitter).setNonRetryableExitCodes(nonRetryable).setTimeoutMs(0)
        .setHeartbeatTimeoutMs(30_000).build();
  }

  @Test
  void shouldGrowBackoffExponentiallyUpToTheCap() {
    TaskState t = task("t", 2_000, 2.0, 10_000, 0, List.of());
    assertThat(List.of(RetryPolicies.backoffMs(t, 1), RetryPolicies.backoffMs(t, 2), RetryPolicies.backoffMs(t, 3),
        RetryPolicies.backoffMs(t, 4))).containsExactly(2_000L, 4_000L, 8_000L, 10_000L);
  }

  @Test
  void shouldKeepJitterWithinItsBoundsAndBeDeterministic() {
    long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
    for (int i = 0; i < 500; i++) {
      TaskState t = task("t" + i, 10_000, 1.0, 60_000, 0.2, List.of());
      long b = RetryPolicies.backoffMs(t, 1);
      assertThat(b).isBetween(8_000L, 12_000L);
      assertThat(RetryPolicies.backoffMs(t, 1)).isEqualTo(b);
      min = Math.min(min, b);
      max = Math.max(max, b);
    }
    assertThat(max - min).as("jitter actually spreads retries").isGreaterThan(2_000L);
  }

  @Test
  void shouldClassifyRetryableFailures() {
    TaskState t = task("t", 1, 1, 1, 0, List.of(2));
    assertThat(RetryPolicies.isRetryable(FailureKind.EXIT_CODE, 1, t)).isTrue();
    assertThat(RetryPolicies.isRetryable(FailureKind.EXIT_CODE, 2, t)).as("listed non-retryable").isFalse();
    assertThat(RetryPolicies.isRetryable(FailureKind.TIMED_OUT, null, t)).isTrue();
    assertThat(RetryPolicies.isRetryable(FailureKind.LOST, null, t)).isTrue();
    assertThat(RetryPolicies.isRetryable(FailureKind.OOM_KILLED, 137, t)).isFalse();
    assertThat(RetryPolicies.isRetryable(FailureKind.IMAGE_MISSING, null, t)).isFalse();
    assertThat(RetryPolicies.isRetryable(FailureKind.INVALID_SPEC, null, t)).isFalse();
    assertThat(RetryPolicies.hasAttemptsLeft(t, 3)).isTrue();
    assertThat(RetryPolicies.hasAttemptsLeft(t, 4)).isFalse();
  }
}
