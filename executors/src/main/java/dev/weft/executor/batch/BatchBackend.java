package dev.weft.executor.batch;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.BackendThreads;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.batch.BatchJobRequests.JobResources;
import dev.weft.spec.BatchBlock;
import dev.weft.spec.SpecProblem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.JobQueueDetail;
import software.amazon.awssdk.services.batch.model.JobSummary;
import software.amazon.awssdk.services.batch.model.KeyValuesPair;
import software.amazon.awssdk.services.batch.model.SubmitJobResponse;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * Runs attempts as AWS Batch jobs (executor name {@code batch}) through the AWS SDK v2. SDK types stay inside this
 * package; the runtime sees only {@link ExecutorBackend}.
 *
 * <p><b>Lifecycle.</b> {@link #launch} resolves the job definition (the block's, or one registered once for its
 * image and resources), calls SubmitJob with the attempt id as name and tags, and returns. One
 * {@link JobStatusPoller} watches every live job of this instance with batched DescribeJobs. When a job ends, its exit
 * code, status reason and CloudWatch log tail become the outcome, and the job is tagged {@code weft:reported} so no
 * later executor offers it again. Cancel and timeout call TerminateJob and wait for the job to end.
 *
 * <p><b>Adoption.</b> Every job carries this instance's id ({@code weft:instance}) and the installation's scope. A
 * restarted executor with the same instance id lists Weft's jobs ({@code ListJobs} by name prefix, on every queue),
 * reads their tags and adopts exactly the unreported jobs that are its own: running ones are watched on, ended ones
 * are reported at once. Closing the backend leaves jobs running for that reason.
 *
 * <p><b>Failures of AWS itself.</b> Throttling, 5xx answers and unanswered calls never fail an attempt: a SubmitJob
 * that fails so is tried again with backoff in the background (first looking for the job by name, in case the failed
 * call did create it; the SDK's own retries are off for SubmitJob, since it has no idempotency token), polls back
 * off, a TerminateJob is sent again on the next poll.
 */
public final class BatchBackend implements ExecutorBackend {
  public static final String NAME = "batch";

  private static final Logger LOG = LoggerFactory.getLogger(BatchBackend.class);
  private static final int TERMINATE_REASON_MAX = 255;

  private final BatchSettings settings;
  private final BatchClient batch;
  /** SubmitJob only: no SDK retries, which could submit a job twice (see {@link AwsClients#batchWithoutRetries}). */
  private final BatchClient submitter;
  private final CloudWatchLogsClient logs;
  private final JobDefinitions definitions;
  private final JobLogTail logTail;
  private final JobStatusPoller poller;
  private final ScheduledThreadPoolExecutor scheduler;
  private final String region;
  private final Map<AttemptId, JobSummary> adoptable = new ConcurrentHashMap<>();
  /** Queue of each adoptable job, for the ListJobs that fetches an exit code some endpoints only list there. */
  private final Map<String, String> queues = new ConcurrentHashMap<>();
  private final AtomicLong submitCalls = new AtomicLong();
  private volatile boolean closed;

  /**
   * Builds the SDK clients from the settings and the AWS chain. Makes no call yet: a wrong region or credentials
   * show in the first attempt's failure reason.
   */
  public BatchBackend(BatchSettings settings) {
    this.settings = settings;
    this.batch = AwsClients.batch(settings);
    this.submitter = AwsClients.batchWithoutRetries(settings);
    this.logs = AwsClients.logs(settings);
    this.region = batch.serviceClientConfiguration().region() == null ? "us-east-1"
        : batch.serviceClientConfiguration().region().id();
    this.definitions = new JobDefinitions(batch);
    this.logTail = new JobLogTail(logs);
    this.poller = new JobStatusPoller(batch, settings, this::ended, this::lost, this::terminate);
    AtomicInteger threads = new AtomicInteger();
    this.scheduler = new ScheduledThreadPoolExecutor(3, r -> {
      Thread t = new Thread(r, "weft-batch-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    scheduler.setRemoveOnCancelPolicy(true);
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    scheduler.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    long every = settings.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::pollQuietly, every, every, TimeUnit.MILLISECONDS);
    LOG.info("batch backend for region {}{}, default job queue {}, instance {}", region,
        settings.endpoint() == null ? "" : " at " + settings.endpoint(), settings.jobQueue(), settings.instanceId());
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Submits the attempt's job and returns at once.
   *
   * @throws LaunchException INVALID_SPEC for a bad block, a missing queue, or a request Batch refuses (a definition
   *     or queue that does not exist); never for throttling or 5xx answers, which are retried in the background
   */
  @Override
  public RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException {
    ensureOpen();
    BatchBlock block = readBlock(request);
    String queue = block.jobQueue() != null ? block.jobQueue() : settings.jobQueue();
    if (queue == null) {
      throw new LaunchException(FailureKind.INVALID_SPEC, "no job queue for " + request.id() + ": set batch.jobQueue"
          + " in the task, or start the executor with --job-queue");
    }
    BatchAttempt a = new BatchAttempt(this, request.id(), BatchJobRequests.jobName(request.id(), settings.scope()),
        queue, listener);
    try {
      submit(a, request, block);
    } catch (RuntimeException e) {
      if (!AwsErrors.isRetryable(e)) {
        throw new LaunchException(kindOf(e), "AWS Batch refused job " + a.jobName() + " on queue " + queue + ": "
            + AwsErrors.message(e), e);
      }
      LOG.warn("{}: submitting job {} failed ({}); trying again in the background", a.id(), a.jobName(),
          AwsErrors.message(e));
      retrySubmit(a, request, block, settings.pollInterval());
    }
    return a;
  }

  @Override
  public List<AttemptId> findRunning() {
    ensureOpen();
    adoptable.clear();
    if (settings.instanceId() == null) {
      LOG.info("batch backend has no instance id; jobs of an earlier executor are not adopted");
      return List.of();
    }
    List<JobSummary> candidates = withRetries("listing Weft's jobs to adopt", () -> {
      List<JobSummary> all = new ArrayList<>();
      for (JobQueueDetail q : batch.describeJobQueuesPaginator(b -> {}).jobQueues()) {
        batch.listJobsPaginator(b -> b.jobQueue(q.jobQueueArn()).filters(KeyValuesPair.builder().name("JOB_NAME")
            .values(BatchJobRequests.JOB_NAME_PREFIX + "*").build())).jobSummaryList().forEach(all::add);
      }
      return all;
    });
    Map<String, String> queueOfJob = new ConcurrentHashMap<>();
    List<AttemptId> found = new ArrayList<>();
    for (int from = 0; from < candidates.size(); from += JobStatusPoller.DESCRIBE_LIMIT) {
      List<String> ids = candidates.subList(from, Math.min(candidates.size(), from + JobStatusPoller.DESCRIBE_LIMIT))
          .stream().map(JobSummary::jobId).filter(id -> !poller.isWatching(id)).toList();
      if (ids.isEmpty()) continue;
      List<JobDetail> jobs = withRetries("describing Weft's jobs to adopt", () -> batch.describeJobs(b -> b.jobs(ids)).jobs());
      for (JobDetail j : jobs) {
        Map<String, String> tags = j.tags();
        if (!isOwn(tags)) continue;
        Optional<AttemptId> id = BatchJobRequests.attemptOf(tags);
        if (id.isEmpty()) continue;
        queueOfJob.put(j.jobId(), j.jobQueue());
        adoptable.put(id.get(), JobSummary.builder().jobId(j.jobId()).jobArn(j.jobArn()).jobName(j.jobName()).build());
        found.add(id.get());
      }
    }
    queues.putAll(queueOfJob);
    LOG.info("batch backend found {} unreported job(s) of instance {} to adopt", found.size(), settings.instanceId());
    return found;
  }

  @Override
  public RunningAttempt adopt(AttemptId id, AttemptListener listener) {
    ensureOpen();
    JobSummary job = adoptable.remove(id);
    if (job == null) return null;
    BatchAttempt a = new BatchAttempt(this, id, job.jobName(), queues.getOrDefault(job.jobId(), settings.jobQueue()),
        listener);
    a.submitted(job.jobId(), job.jobArn());
    poller.watch(a);
    listener.trackingUrl(BatchJobRequests.consoleUrl(region, job.jobId()));
    LOG.info("{}: adopted Batch job {} ({})", id, job.jobId(), job.jobName());
    return a;
  }

  /** Leaves every job running: a restarted executor with the same instance id adopts them. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    BackendThreads.stop(scheduler, Duration.ofSeconds(5));
    batch.close();
    submitter.close();
    logs.close();
  }

  /**
   * Whether an executor restarted with the same instance id adopts this one's jobs (it has an instance id). Such an
   * executor should leave its jobs running when it stops, for its successor, instead of terminating them.
   */
  public boolean adoptsAfterRestart() {
    return settings.instanceId() != null;
  }

  /** SubmitJob calls made, counting retries: the proof in tests that a job was submitted once. */
  public long submitCalls() {
    return submitCalls.get();
  }

  /** DescribeJobs calls made by the status poller. */
  public long describeCalls() {
    return poller.describeCalls();
  }

  /** Jobs being watched right now. */
  public int watchedJobs() {
    return poller.size();
  }

  // ---- package-private: called by BatchAttempt and the poller ----

  /** Sends TerminateJob once; when it fails, the next poll sends it again. */
  void terminate(BatchAttempt a) {
    if (closed || a.jobId() == null) return;
    String reason = a.stopReason() == null ? "terminated by weft" : a.stopReason();
    if (reason.length() > TERMINATE_REASON_MAX) reason = reason.substring(0, TERMINATE_REASON_MAX);
    String r = reason.isBlank() ? "terminated by weft" : reason;
    try {
      batch.terminateJob(b -> b.jobId(a.jobId()).reason(r));
      a.terminateAcknowledged();
      LOG.info("{}: TerminateJob sent for {} ({})", a.id(), a.jobId(), r);
    } catch (RuntimeException e) {
      LOG.warn("{}: TerminateJob for {} failed ({}); sending it again on the next poll", a.id(), a.jobId(),
          AwsErrors.message(e));
    }
  }

  // ---- internals ----

  private static BatchBlock readBlock(AttemptRequest request) throws LaunchException {
    List<SpecProblem> problems = BatchBlock.problems(request.block(), request.task().resources(), "batch");
    if (!problems.isEmpty()) {
      throw new LaunchException(FailureKind.INVALID_SPEC, problems.stream().map(SpecProblem::toString)
          .collect(Collectors.joining("; ")));
    }
    return BatchBlock.read(request.block());
  }

  private void submit(BatchAttempt a, AttemptRequest request, BatchBlock block) {
    String definition = block.jobDefinition() != null ? block.jobDefinition()
        : definitions.forImage(block.image(), JobResources.of(request.task().resources()));
    submitCalls.incrementAndGet();
    SubmitJobResponse r = submitter.submitJob(BatchJobRequests.submitJob(a.id(), request.pipeline(), block, a.queue(),
        definition, request.task().resources(), request.timeout(), settings));
    accepted(a, r.jobId(), r.jobArn());
  }

  private void accepted(BatchAttempt a, String jobId, String jobArn) {
    a.submitted(jobId, jobArn);
    poller.watch(a);
    LOG.info("{}: Batch job {} ({}) on queue {}", a.id(), jobId, a.jobName(), a.queue());
    a.listener().trackingUrl(BatchJobRequests.consoleUrl(region, jobId));
    // A cancel that arrived while the job was being submitted is carried out now that there is a job to stop.
    if (a.stopRequested()) terminate(a);
  }

  /**
   * Tries the submission again after {@code delay}, doubling up to the settings' maximum. Each try first looks for
   * the job by its name: a call that failed on the way back may have created it, and submitting again would run the
   * work twice.
   */
  private void retrySubmit(BatchAttempt a, AttemptRequest request, BatchBlock block, Duration delay) {
    if (closed) return;
    scheduler.schedule(() -> {
      if (closed || a.isDone()) return;
      try {
        Optional<JobSummary> existing = findByName(a.queue(), a.jobName());
        if (existing.isPresent()) {
          accepted(a, existing.get().jobId(), existing.get().jobArn());
          return;
        }
        if (a.stopRequested()) {
          if (a.claimDone()) deliver(a, a.stopOutcome(null, ""));
          return;
        }
        submit(a, request, block);
      } catch (RuntimeException e) {
        if (AwsErrors.isRetryable(e)) {
          Duration next = delay.multipliedBy(2).compareTo(settings.backoffMax()) > 0 ? settings.backoffMax()
              : delay.multipliedBy(2);
          LOG.warn("{}: submitting job {} failed again ({}); next try in {} ms", a.id(), a.jobName(),
              AwsErrors.message(e), next.toMillis());
          retrySubmit(a, request, block, next);
        } else if (a.claimDone()) {
          deliver(a, AttemptOutcome.failure(kindOf(e), null, BatchJobStatus.oneLine("AWS Batch refused job "
              + a.jobName() + " on queue " + a.queue() + ": " + AwsErrors.message(e)), ""));
        }
      }
    }, delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Optional<JobSummary> findByName(String queue, String jobName) {
    for (JobSummary s : batch.listJobsPaginator(b -> b.jobQueue(queue).filters(KeyValuesPair.builder()
        .name("JOB_NAME").values(jobName).build())).jobSummaryList()) {
      if (jobName.equals(s.jobName())) return Optional.of(s);
    }
    return Optional.empty();
  }

  private boolean isOwn(Map<String, String> tags) {
    if (tags == null || !NAME.equals(tags.get(BatchJobRequests.TAG_EXECUTOR))) return false;
    if (tags.containsKey(BatchJobRequests.TAG_REPORTED)) return false;
    return Objects.equals(tags.get(BatchJobRequests.TAG_SCOPE), settings.scope())
        && Objects.equals(tags.get(BatchJobRequests.TAG_INSTANCE), settings.instanceId());
  }

  private void pollQuietly() {
    if (closed) return;
    try {
      poller.poll();
    } catch (RuntimeException e) {
      LOG.error("batch status poll failed unexpectedly; polling goes on", e);
    }
  }

  /** A job ended: the rest (exit code, log tail, tagging) takes calls, so it runs off the poll thread. */
  private void ended(BatchAttempt a, JobDetail job) {
    scheduler.execute(() -> finish(a, job));
  }

  private void finish(BatchAttempt a, JobDetail job) {
    Integer exit = BatchJobStatus.exitCodeOf(job);
    if (exit == null && a.queue() != null) exit = listedExitCode(a);
    JobLogTail.Tail tail = JobLogTail.Tail.EMPTY;
    try {
      tail = logTail.read(job);
    } catch (RuntimeException e) {
      LOG.warn("{}: the log of job {} is not readable: {}", a.id(), a.jobId(), AwsErrors.message(e));
    }
    AttemptOutcome outcome = a.stopOutcome(exit, tail.text());
    if (outcome == null) outcome = BatchJobStatus.outcomeOf(job, exit, tail.text(), tail.lastLine());
    markReported(a);
    deliver(a, outcome);
  }

  /** The exit code from the job's ListJobs summary, for endpoints whose DescribeJobs leaves it out. */
  private Integer listedExitCode(BatchAttempt a) {
    try {
      return findByName(a.queue(), a.jobName()).filter(s -> s.jobId().equals(a.jobId()))
          .map(s -> s.container() == null ? null : s.container().exitCode()).orElse(null);
    } catch (RuntimeException e) {
      LOG.warn("{}: listing job {} for its exit code failed: {}", a.id(), a.jobId(), AwsErrors.message(e));
      return null;
    }
  }

  private void markReported(BatchAttempt a) {
    if (a.jobArn() == null) return;
    try {
      batch.tagResource(b -> b.resourceArn(a.jobArn()).tags(Map.of(BatchJobRequests.TAG_REPORTED,
          settings.instanceId() == null ? "true" : settings.instanceId())));
    } catch (RuntimeException e) {
      LOG.warn("{}: tagging job {} as reported failed ({}); a restarted executor may report it again", a.id(),
          a.jobId(), AwsErrors.message(e));
    }
  }

  private void lost(BatchAttempt a, String reason) {
    deliver(a, AttemptOutcome.failure(FailureKind.LOST, null, reason, ""));
  }

  private void deliver(BatchAttempt a, AttemptOutcome outcome) {
    poller.forget(a);
    if (closed) return;
    LOG.info("{} ({}) finished: {}", a.id(), a.handle(),
        outcome.succeeded() ? "succeeded" : outcome.failureKind() + " " + outcome.reason());
    try {
      a.listener().finished(outcome);
    } catch (RuntimeException e) {
      LOG.error("listener of {} failed on its outcome", a.id(), e);
    }
  }

  /** A 4xx says the request is wrong (a definition or queue that does not exist, a value Batch refuses). */
  private static FailureKind kindOf(RuntimeException e) {
    return e instanceof AwsServiceException a && a.statusCode() >= 400 && a.statusCode() < 500
        ? FailureKind.INVALID_SPEC : FailureKind.LAUNCH_ERROR;
  }

  private <T> T withRetries(String what, java.util.function.Supplier<T> call) {
    Duration delay = settings.pollInterval();
    for (int i = 1; ; i++) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        if (!AwsErrors.isRetryable(e) || i >= 6) {
          throw new IllegalStateException(what + " failed: " + AwsErrors.message(e)
              + "; the executor does not start rather than run adopted work twice", e);
        }
        LOG.warn("{} failed ({}); trying again in {} ms", what, AwsErrors.message(e), delay.toMillis());
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while " + what, ie);
        }
        delay = delay.multipliedBy(2).compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : delay.multipliedBy(2);
      }
    }
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException("the batch backend is closed");
  }
}
