package dev.weft.executor.batch;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.services.batch.model.JobDetail;

/**
 * One attempt as one Batch job, launched or adopted. It holds what is known of the job (its id once submitted, its
 * phase) and what was asked of it (a stop, and why); the {@link JobStatusPoller} feeds it the job's state and the
 * backend reports its outcome. The outcome is delivered exactly once, guarded by one flag.
 *
 * <p>A stop (cancel, timeout) calls TerminateJob and then waits, like any other ending, for Batch to show the job
 * FAILED: the attempt is over when the job is, not when the request was sent. A TerminateJob that fails is sent again
 * on the next poll.
 */
final class BatchAttempt implements RunningAttempt {
  private final BatchBackend backend;
  private final AttemptId id;
  private final String jobName;
  private final String queue;
  private final AttemptListener listener;
  private final AtomicBoolean done = new AtomicBoolean();

  private volatile String jobId;
  private volatile String jobArn;
  private volatile BatchJobStatus.Phase phase = BatchJobStatus.Phase.QUEUED;
  private volatile String batchStatus = "SUBMITTING";
  private volatile boolean terminateAcknowledged;
  private long missingSinceNanos = -1;

  private final Object stopLock = new Object();
  private FailureKind stopKind;
  private String stopReason;

  BatchAttempt(BatchBackend backend, AttemptId id, String jobName, String queue, AttemptListener listener) {
    this.backend = backend;
    this.id = id;
    this.jobName = jobName;
    this.queue = queue;
    this.listener = listener;
  }

  /** The Batch job id once the job exists; its name before (a submission that is being retried). */
  @Override
  public String handle() {
    String j = jobId;
    return j != null ? j : jobName;
  }

  /** Terminates the job (Batch stops its container: SIGTERM, then SIGKILL after the definition's stop timeout). */
  @Override
  public void cancel(Duration grace, String reason) {
    stop(FailureKind.CANCELLED, reason == null ? "cancelled" : reason);
  }

  void stop(FailureKind kind, String reason) {
    if (done.get()) return;
    synchronized (stopLock) {
      if (stopKind != null) return;
      stopKind = kind;
      stopReason = reason;
    }
    if (jobId != null) backend.terminate(this);
  }

  AttemptId id() {
    return id;
  }

  String jobName() {
    return jobName;
  }

  String queue() {
    return queue;
  }

  String jobId() {
    return jobId;
  }

  String jobArn() {
    return jobArn;
  }

  AttemptListener listener() {
    return listener;
  }

  /** Batch's own status of the job (SUBMITTED ... RUNNING), for logs and tests; SUBMITTING before it exists. */
  String batchStatus() {
    return batchStatus;
  }

  BatchJobStatus.Phase jobPhase() {
    return phase;
  }

  /** QUEUED while Batch holds the job for capacity or its container, then RUNNING; null once it ended. */
  @Override
  public String phase() {
    BatchJobStatus.Phase p = phase;
    return p == BatchJobStatus.Phase.ENDED ? null : p.name();
  }

  boolean isDone() {
    return done.get();
  }

  boolean stopRequested() {
    synchronized (stopLock) {
      return stopKind != null;
    }
  }

  /** The stop's kind and reason, or null when none was asked for. */
  AttemptOutcome stopOutcome(Integer exitCode, String logTail) {
    synchronized (stopLock) {
      if (stopKind == null) return null;
      return AttemptOutcome.failure(stopKind, exitCode, BatchJobStatus.oneLine(stopReason), logTail);
    }
  }

  String stopReason() {
    synchronized (stopLock) {
      return stopReason;
    }
  }

  boolean needsTerminate() {
    return jobId != null && !terminateAcknowledged && !done.get() && stopRequested();
  }

  void terminateAcknowledged() {
    terminateAcknowledged = true;
  }

  void submitted(String id, String arn) {
    this.jobArn = arn;
    this.jobId = id;
  }

  /**
   * The job as DescribeJobs showed it.
   *
   * @return true when the job ended and this call won the right to report it
   */
  boolean observe(JobDetail job) {
    missingSinceNanos = -1;
    if (jobArn == null) jobArn = job.jobArn();
    batchStatus = job.statusAsString();
    phase = BatchJobStatus.phaseOf(job.status());
    return phase == BatchJobStatus.Phase.ENDED && done.compareAndSet(false, true);
  }

  /**
   * The job was not in a DescribeJobs answer that succeeded.
   *
   * @return true when it has been missing for longer than {@code limit} and this call won the right to report it
   */
  boolean missing(long nowNanos, Duration limit) {
    if (missingSinceNanos < 0) missingSinceNanos = nowNanos;
    return nowNanos - missingSinceNanos > limit.toNanos() && done.compareAndSet(false, true);
  }

  /** Claims the right to report without a job (a submission that never happened). */
  boolean claimDone() {
    return done.compareAndSet(false, true);
  }
}
