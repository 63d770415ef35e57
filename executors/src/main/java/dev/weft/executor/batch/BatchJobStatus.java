package dev.weft.executor.batch;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptOutcome;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.services.batch.model.AttemptDetail;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.JobStatus;

/**
 * What a Batch job's status means to Weft: pure functions from a described job to a phase and, once it ended, to an
 * attempt's outcome. Kept apart from the polling so every mapping is unit-tested on built {@link JobDetail}s.
 *
 * <p>Batch says why a job failed in free text ({@code statusReason}, the container's {@code reason}); the
 * documented prefixes ({@code CannotPullContainerError}, {@code OutOfMemoryError}, ...) are stable, and they decide
 * the failure kind, which decides whether Weft retries: a missing image, a missing definition or an out-of-memory
 * kill fails the same way every time, so those are never retried.
 */
final class BatchJobStatus {
  static final int REASON_MAX = 500;

  /** Where a job is, in Weft's terms. */
  enum Phase {
    /** SUBMITTED, PENDING, RUNNABLE, STARTING: accepted by Batch, waiting for capacity or for its container. */
    QUEUED,
    RUNNING,
    /** SUCCEEDED or FAILED: the outcome is final. */
    ENDED
  }

  private BatchJobStatus() {}

  static Phase phaseOf(JobStatus status) {
    if (status == null) return Phase.QUEUED;
    return switch (status) {
      case RUNNING -> Phase.RUNNING;
      case SUCCEEDED, FAILED -> Phase.ENDED;
      default -> Phase.QUEUED;
    };
  }

  /**
   * The exit code Batch recorded for the job: its container's, else its last attempt's. AWS fills both; some local
   * endpoints give it only in ListJobs summaries, which the backend then asks (see docs/executors/batch.md).
   */
  static Integer exitCodeOf(JobDetail job) {
    if (job.container() != null && job.container().exitCode() != null) return job.container().exitCode();
    List<AttemptDetail> attempts = job.attempts();
    if (attempts != null && !attempts.isEmpty()) {
      AttemptDetail last = attempts.get(attempts.size() - 1);
      if (last.container() != null) return last.container().exitCode();
    }
    return null;
  }

  /** The log stream of the job's container (its last attempt's when the job itself names none). */
  static String logStreamOf(JobDetail job) {
    if (job.container() != null && job.container().logStreamName() != null) return job.container().logStreamName();
    List<AttemptDetail> attempts = job.attempts();
    if (attempts != null) {
      for (int i = attempts.size() - 1; i >= 0; i--) {
        AttemptDetail a = attempts.get(i);
        if (a.container() != null && a.container().logStreamName() != null) return a.container().logStreamName();
      }
    }
    return null;
  }

  /**
   * The outcome of an ended job.
   *
   * @param exitCode the job's exit code (from {@link #exitCodeOf} or a ListJobs summary), or null when Batch has none
   * @param logTail the tail of the job's log, or ""
   * @param lastLogLine the last non-blank line of it, or "", shown in the reason of a non-zero exit
   */
  static AttemptOutcome outcomeOf(JobDetail job, Integer exitCode, String logTail, String lastLogLine) {
    if (job.status() == JobStatus.SUCCEEDED) return AttemptOutcome.success(exitCode == null ? 0 : exitCode, logTail);
    String why = reasonOf(job);
    String lower = why.toLowerCase(Locale.ROOT);
    if (lower.contains("cannotpullcontainererror") || lower.contains("cannotpullimagemanifesterror")
        || lower.contains("imagepull") || lower.contains("manifest unknown") || lower.contains("repository does not exist")) {
      return AttemptOutcome.failure(FailureKind.IMAGE_MISSING, exitCode, oneLine("the job's image cannot be pulled: "
          + why + "; check the image name and that the compute environment may pull it"), logTail);
    }
    if (lower.contains("outofmemoryerror") || lower.contains("out of memory")) {
      return AttemptOutcome.failure(FailureKind.OOM_KILLED, exitCode,
          oneLine("killed: out of memory (" + why + "); raise resources.memory"), logTail);
    }
    if (lower.contains("job attempt duration exceeded timeout") || lower.contains("attemptdurationseconds")) {
      return AttemptOutcome.failure(FailureKind.TIMED_OUT, exitCode, oneLine("Batch ended the job: " + why), logTail);
    }
    if (lower.contains("cannotstartcontainererror") || lower.contains("cannotcreatecontainererror")
        || lower.contains("cannotinspectcontainererror") || lower.contains("resourceinitializationerror")) {
      return AttemptOutcome.failure(FailureKind.LAUNCH_ERROR, exitCode,
          oneLine("the job's container could not start: " + why), logTail);
    }
    if (exitCode != null) {
      StringBuilder text = new StringBuilder("exited with code ").append(exitCode);
      if (exitCode > 128 && exitCode < 160) text.append(" (signal ").append(exitCode - 128).append(')');
      if (!lastLogLine.isEmpty()) text.append(": ").append(lastLogLine);
      else if (!why.isEmpty()) text.append(": ").append(why);
      return AttemptOutcome.failure(FailureKind.EXIT_CODE, exitCode, oneLine(text.toString()), logTail);
    }
    return AttemptOutcome.failure(FailureKind.OTHER, null, oneLine("the Batch job failed without an exit code"
        + (why.isEmpty() ? " or a reason" : ": " + why)), logTail);
  }

  /** The job's status reason and its container's reason, whichever say something. */
  static String reasonOf(JobDetail job) {
    String status = job.statusReason() == null ? "" : job.statusReason().strip();
    String container = job.container() == null || job.container().reason() == null ? ""
        : job.container().reason().strip();
    if (container.isEmpty() && job.attempts() != null && !job.attempts().isEmpty()) {
      AttemptDetail last = job.attempts().get(job.attempts().size() - 1);
      if (last.container() != null && last.container().reason() != null) container = last.container().reason().strip();
      if (status.isEmpty() && last.statusReason() != null) status = last.statusReason().strip();
    }
    if (container.isEmpty()) return status;
    if (status.isEmpty() || status.equals(container)) return container;
    return status + " (" + container + ")";
  }

  static String oneLine(String text) {
    String line = text.replaceAll("[\\r\\n]+", " ").strip();
    return line.length() <= REASON_MAX ? line : line.substring(0, REASON_MAX - 3) + "...";
  }
}
