package dev.weft.executor.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.batch.model.JobDetail;

/**
 * Looks at every live job of this executor instance with batched {@code DescribeJobs} calls (up to 100 job ids a
 * call, Batch's limit), one round per poll interval: a thousand running attempts cost ten calls, not a thousand.
 *
 * <p>A round that fails (throttling, a 5xx, no answer) fails no attempt: the next round waits twice as long, up to
 * the settings' maximum, and starts again from the first job. Only a job absent from answers that did succeed, for
 * longer than {@code jobMissingAfter}, is reported lost.
 */
final class JobStatusPoller {
  static final int DESCRIBE_LIMIT = 100;
  private static final Logger LOG = LoggerFactory.getLogger(JobStatusPoller.class);

  private final BatchClient batch;
  private final BatchSettings settings;
  private final Map<String, BatchAttempt> watched = new ConcurrentHashMap<>();
  private final BiConsumer<BatchAttempt, JobDetail> ended;
  private final BiConsumer<BatchAttempt, String> lost;
  private final java.util.function.Consumer<BatchAttempt> terminate;
  private final AtomicLong describeCalls = new AtomicLong();
  private Duration backoff = Duration.ZERO;
  private long pausedUntilNanos;

  /**
   * @param ended called once per attempt whose job ended, with the job as last described
   * @param lost called once per attempt whose job vanished, with the reason
   * @param terminate called for attempts asked to stop whose TerminateJob was not acknowledged yet
   */
  JobStatusPoller(BatchClient batch, BatchSettings settings, BiConsumer<BatchAttempt, JobDetail> ended,
      BiConsumer<BatchAttempt, String> lost, java.util.function.Consumer<BatchAttempt> terminate) {
    this.batch = batch;
    this.settings = settings;
    this.ended = ended;
    this.lost = lost;
    this.terminate = terminate;
  }

  /** Watches the attempt from the next round on; its job id must be known. */
  void watch(BatchAttempt a) {
    watched.put(a.jobId(), a);
  }

  void forget(BatchAttempt a) {
    if (a.jobId() != null) watched.remove(a.jobId(), a);
  }

  boolean isWatching(String jobId) {
    return watched.containsKey(jobId);
  }

  int size() {
    return watched.size();
  }

  /** DescribeJobs calls made so far: the batching is observable, and tested. */
  long describeCalls() {
    return describeCalls.get();
  }

  /** One round; called on the backend's poll thread at a fixed delay. */
  void poll() {
    long now = System.nanoTime();
    if (now < pausedUntilNanos) return;
    List<BatchAttempt> live = new ArrayList<>();
    for (BatchAttempt a : watched.values()) if (!a.isDone()) live.add(a);
    for (int from = 0; from < live.size(); from += DESCRIBE_LIMIT) {
      List<BatchAttempt> chunk = live.subList(from, Math.min(live.size(), from + DESCRIBE_LIMIT));
      List<String> ids = chunk.stream().map(BatchAttempt::jobId).toList();
      List<JobDetail> jobs;
      try {
        describeCalls.incrementAndGet();
        jobs = batch.describeJobs(b -> b.jobs(ids)).jobs();
      } catch (RuntimeException e) {
        pause(e);
        return;
      }
      Map<String, JobDetail> byId = new HashMap<>();
      for (JobDetail j : jobs) byId.put(j.jobId(), j);
      long at = System.nanoTime();
      for (BatchAttempt a : chunk) {
        JobDetail j = byId.get(a.jobId());
        if (j == null) {
          if (a.missing(at, settings.jobMissingAfter())) {
            watched.remove(a.jobId(), a);
            lost.accept(a, "Batch job " + a.jobId() + " (" + a.jobName() + ") has not been in DescribeJobs answers for "
                + settings.jobMissingAfter().toSeconds() + " s; it is presumed lost");
          }
        } else if (a.observe(j)) {
          watched.remove(a.jobId(), a);
          ended.accept(a, j);
        }
      }
    }
    backoff = Duration.ZERO;
    for (BatchAttempt a : live) if (a.needsTerminate()) terminate.accept(a);
  }

  private void pause(RuntimeException e) {
    Duration base = settings.pollInterval();
    backoff = backoff.isZero() ? base : backoff.multipliedBy(2);
    if (backoff.compareTo(settings.backoffMax()) > 0) backoff = settings.backoffMax();
    pausedUntilNanos = System.nanoTime() + backoff.toNanos();
    LOG.warn("DescribeJobs for {} jobs failed ({}); trying again in {} ms; no attempt fails for it",
        watched.size(), AwsErrors.message(e), backoff.toMillis());
  }
}
