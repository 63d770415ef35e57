package dev.weft.executor.noop;

import static dev.weft.executor.Specs.noop;
import static dev.weft.executor.Specs.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.RecordingListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NoopBackendTest {
  private final NoopBackend backend = new NoopBackend();

  @AfterEach
  void tearDown() {
    backend.close();
  }

  @Test
  void shouldSucceedInsideLaunch() throws Exception {
    RecordingListener listener = new RecordingListener();

    backend.launch(request(noop("a", null)), listener);

    assertThat(listener.isFinished()).as("finished before launch returned").isTrue();
    AttemptOutcome outcome = listener.await(Duration.ZERO.plusMillis(1));
    assertThat(outcome.succeeded()).isTrue();
    assertThat(outcome.exitCode()).isZero();
    assertThat(backend.launches()).isEqualTo(1);
  }

  @Test
  void shouldFailWithTheGivenExitCode() throws Exception {
    RecordingListener listener = new RecordingListener();

    backend.launch(request(noop("b", "{\"fail\": true, \"exitCode\": 3}")), listener);

    AttemptOutcome outcome = listener.await(Duration.ofSeconds(1));
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.failureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(outcome.exitCode()).isEqualTo(3);
  }

  @Test
  void shouldReportItsTrackingUrlWhenItStarts() throws Exception {
    RecordingListener listener = new RecordingListener();

    RunningAttempt attempt = backend.launch(request(noop("t",
        "{\"sleep\": \"10m\", \"trackingUrl\": \"http://127.0.0.1:1/work\"}")), listener);

    assertThat(listener.trackingUrls).containsExactly("http://127.0.0.1:1/work");
    assertThat(listener.isFinished()).isFalse();
    attempt.cancel(Duration.ZERO, "test over");
  }

  @Test
  void shouldFinishAfterTheSleep() throws Exception {
    RecordingListener listener = new RecordingListener();
    long t0 = System.nanoTime();

    backend.launch(request(noop("c", "{\"sleep\": \"200ms\"}")), listener);

    assertThat(listener.isFinished()).isFalse();
    assertThat(listener.await(Duration.ofSeconds(5)).succeeded()).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
  }

  @Test
  void shouldReportCancelledOnceWhenCancelledWhileSleeping() throws Exception {
    RecordingListener listener = new RecordingListener();
    RunningAttempt attempt = backend.launch(request(noop("d", "{\"sleep\": \"10s\"}")), listener);

    attempt.cancel(Duration.ofSeconds(1), "stop");
    attempt.cancel(Duration.ofSeconds(1), "again");

    AttemptOutcome outcome = listener.await(Duration.ofSeconds(1));
    assertThat(outcome.failureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(outcome.reason()).isEqualTo("cancelled: stop");
    listener.assertFinishedOnce();
  }

  @Test
  void shouldRejectUnknownFieldsAsInvalidSpec() {
    assertThatThrownBy(() -> backend.launch(request(noop("e", "{\"sleeep\": \"1s\"}")), new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("noop.sleeep");
  }
}
