package dev.weft.executor.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.batch.BatchJobStatus.Phase;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.batch.model.AttemptContainerDetail;
import software.amazon.awssdk.services.batch.model.AttemptDetail;
import software.amazon.awssdk.services.batch.model.ContainerDetail;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.JobStatus;

class BatchJobStatusTest {
  @Test
  void shouldReportEveryStatusBeforeRunningAsQueued() {
    for (JobStatus s : new JobStatus[] {JobStatus.SUBMITTED, JobStatus.PENDING, JobStatus.RUNNABLE, JobStatus.STARTING}) {
      assertThat(BatchJobStatus.phaseOf(s)).as("%s", s).isEqualTo(Phase.QUEUED);
    }
    assertThat(BatchJobStatus.phaseOf(JobStatus.RUNNING)).isEqualTo(Phase.RUNNING);
    assertThat(BatchJobStatus.phaseOf(JobStatus.SUCCEEDED)).isEqualTo(Phase.ENDED);
    assertThat(BatchJobStatus.phaseOf(JobStatus.FAILED)).isEqualTo(Phase.ENDED);
  }

  @Test
  void shouldSucceedWithTheExitCodeAndLogTail() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.SUCCEEDED, null, null), 0, "done\n", "done");

    assertThat(o.succeeded()).isTrue();
    assertThat(o.exitCode()).isZero();
    assertThat(o.logTail()).isEqualTo("done\n");
  }

  @Test
  void shouldFailANonZeroExitWithItsCodeAndLastLogLine() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, "Essential container in task exited", null), 3,
        "reading\ninput.csv: no such file\n", "input.csv: no such file");

    assertThat(o.failureKind()).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(o.exitCode()).isEqualTo(3);
    assertThat(o.reason()).isEqualTo("exited with code 3: input.csv: no such file");
  }

  @Test
  void shouldNameASignalExitAndFallBackToBatchsReasonWithoutALog() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, "Essential container in task exited", null),
        137, "", "");

    assertThat(o.reason()).isEqualTo("exited with code 137 (signal 9): Essential container in task exited");
  }

  @Test
  void shouldNotRetryAMissingImage() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, "Task failed to start",
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found"), null, "", "");

    assertThat(o.failureKind()).isEqualTo(FailureKind.IMAGE_MISSING);
    assertThat(o.reason()).contains("CannotPullContainerError").contains("Task failed to start");
  }

  @Test
  void shouldReportAnOutOfMemoryKill() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, null,
        "OutOfMemoryError: Container killed due to memory usage"), 137, "", "");

    assertThat(o.failureKind()).isEqualTo(FailureKind.OOM_KILLED);
    assertThat(o.reason()).contains("raise resources.memory");
  }

  @Test
  void shouldReportBatchsOwnTimeoutAsTimedOut() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, "Job attempt duration exceeded timeout", null),
        null, "", "");

    assertThat(o.failureKind()).isEqualTo(FailureKind.TIMED_OUT);
  }

  @Test
  void shouldReportAContainerThatCouldNotStartAsALaunchError() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, null,
        "CannotStartContainerError: exec: \"nope\": executable file not found"), null, "", "");

    assertThat(o.failureKind()).isEqualTo(FailureKind.LAUNCH_ERROR);
  }

  @Test
  void shouldSayAFailureHadNoExitCodeOrReason() {
    AttemptOutcome o = BatchJobStatus.outcomeOf(job(JobStatus.FAILED, null, null), null, "", "");

    assertThat(o.failureKind()).isEqualTo(FailureKind.OTHER);
    assertThat(o.reason()).isEqualTo("the Batch job failed without an exit code or a reason");
  }

  @Test
  void shouldTakeTheExitCodeAndLogStreamFromTheLastAttemptWhenTheJobHasNone() {
    JobDetail j = JobDetail.builder().status(JobStatus.FAILED).container(ContainerDetail.builder().build())
        .attempts(AttemptDetail.builder().container(AttemptContainerDetail.builder().exitCode(1).logStreamName("s/1")
            .build()).build(), AttemptDetail.builder().container(AttemptContainerDetail.builder().exitCode(2)
            .logStreamName("s/2").reason("CannotPullContainerError: x").build()).build())
        .build();

    assertThat(BatchJobStatus.exitCodeOf(j)).isEqualTo(2);
    assertThat(BatchJobStatus.logStreamOf(j)).isEqualTo("s/2");
    assertThat(BatchJobStatus.reasonOf(j)).isEqualTo("CannotPullContainerError: x");
    assertThat(BatchJobStatus.exitCodeOf(JobDetail.builder().status(JobStatus.FAILED).build())).isNull();
  }

  private static JobDetail job(JobStatus status, String statusReason, String containerReason) {
    return JobDetail.builder().jobId("j-1").status(status).statusReason(statusReason)
        .container(ContainerDetail.builder().reason(containerReason).build()).build();
  }
}
