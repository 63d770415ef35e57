package dev.weft.executor.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.Conditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.batch.model.DescribeJobsRequest;
import software.amazon.awssdk.services.batch.model.DescribeJobsResponse;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.JobStatus;
import software.amazon.awssdk.services.batch.model.ServerException;

class JobStatusPollerTest {
  private static final AttemptListener NO_LISTENER = new AttemptListener() {
    @Override
    public void trackingUrl(String url) {}

    @Override
    public void finished(AttemptOutcome outcome) {}
  };

  /** A Batch that knows jobs by id and records the size of every DescribeJobs call. */
  private static final class FakeBatch implements BatchClient {
    final Map<String, JobStatus> jobs = new ConcurrentHashMap<>();
    final List<Integer> describeSizes = new CopyOnWriteArrayList<>();
    volatile boolean failing;

    @Override
    public DescribeJobsResponse describeJobs(DescribeJobsRequest r) {
      describeSizes.add(r.jobs().size());
      if (failing) throw ServerException.builder().statusCode(500).message("injected").build();
      List<JobDetail> found = new ArrayList<>();
      for (String id : r.jobs()) {
        JobStatus s = jobs.get(id);
        if (s != null) found.add(JobDetail.builder().jobId(id).status(s).build());
      }
      return DescribeJobsResponse.builder().jobs(found).build();
    }

    @Override
    public String serviceName() {
      return "batch";
    }

    @Override
    public void close() {}
  }

  private final FakeBatch batch = new FakeBatch();
  private final List<String> ended = new CopyOnWriteArrayList<>();
  private final List<String> lost = new CopyOnWriteArrayList<>();
  private final BatchSettings settings = BatchSettings.defaults("q", "i").withPollInterval(Duration.ofMillis(1))
      .withBackoffMax(Duration.ofMillis(1));
  private final JobStatusPoller poller = new JobStatusPoller(batch, settings,
      (a, job) -> ended.add(a.jobId() + " " + job.statusAsString()), (a, why) -> lost.add(a.jobId()), a -> {});

  @Test
  void shouldReportAJobWaitingForCapacityAsQueuedUntilItRuns() {
    List<BatchAttempt> attempts = watch(1, JobStatus.RUNNABLE);
    poller.poll();
    assertThat(attempts.get(0).phase()).isEqualTo("QUEUED");
    assertThat(ended).isEmpty();
  }

  @Test
  void shouldDescribeEveryLiveJobInCallsOfAtMostOneHundred() {
    List<BatchAttempt> attempts = watch(250, JobStatus.RUNNING);

    poller.poll();

    assertThat(batch.describeSizes).containsExactly(100, 100, 50);
    assertThat(poller.describeCalls()).isEqualTo(3);
    assertThat(attempts).allSatisfy(a -> assertThat(a.jobPhase()).isEqualTo(BatchJobStatus.Phase.RUNNING));
    assertThat(attempts).allSatisfy(a -> assertThat(a.phase()).as("sent with heartbeats").isEqualTo("RUNNING"));
    assertThat(ended).isEmpty();
  }

  @Test
  void shouldReportAnEndedJobOnceAndStopDescribingIt() {
    watch(3, JobStatus.RUNNABLE);
    poller.poll();
    batch.jobs.put("job-1", JobStatus.SUCCEEDED);

    poller.poll();
    poller.poll();

    assertThat(ended).containsExactly("job-1 SUCCEEDED");
    assertThat(batch.describeSizes).containsExactly(3, 3, 2);
  }

  @Test
  void shouldFailNoAttemptWhenDescribeJobsFails() {
    List<BatchAttempt> attempts = watch(2, JobStatus.STARTING);
    batch.failing = true;

    Conditions.await("five failed poll rounds", Duration.ofSeconds(5), () -> {
      poller.poll();
      return batch.describeSizes.size() >= 5;
    });

    assertThat(ended).isEmpty();
    assertThat(lost).isEmpty();
    assertThat(attempts).noneMatch(BatchAttempt::isDone);
    batch.failing = false;
    batch.jobs.replaceAll((id, s) -> JobStatus.FAILED);
    Conditions.await("both jobs reported once Batch answers again", Duration.ofSeconds(5), () -> {
      poller.poll();
      return ended.size() == 2;
    });
    assertThat(ended).containsExactlyInAnyOrder("job-0 FAILED", "job-1 FAILED");
  }

  @Test
  void shouldPresumeAJobLostOnlyWhenSuccessfulAnswersLeaveItOutForLongerThanTheLimit() {
    BatchSettings quick = new BatchSettings("q", "i", null, null, null, null, null, Duration.ofMillis(1),
        Duration.ofMillis(1), Duration.ofMillis(200));
    JobStatusPoller patient = new JobStatusPoller(batch, quick, (a, job) -> ended.add(a.jobId()),
        (a, why) -> lost.add(a.jobId() + ": " + why), a -> {});
    BatchAttempt gone = new BatchAttempt(null, new AttemptId("r", "t", 1), "weft-r-t-1-x", "q", NO_LISTENER);
    gone.submitted("gone", "arn:gone");
    patient.watch(gone);
    long start = System.nanoTime();

    Conditions.await("the job is presumed lost", Duration.ofSeconds(5), () -> {
      patient.poll();
      return !lost.isEmpty();
    });

    assertThat(System.nanoTime() - start).as("not before the limit").isGreaterThanOrEqualTo(
        Duration.ofMillis(200).toNanos());
    assertThat(lost).singleElement().asString().startsWith("gone: Batch job gone (weft-r-t-1-x) has not been in");
    assertThat(gone.isDone()).isTrue();
  }

  private List<BatchAttempt> watch(int n, JobStatus status) {
    List<BatchAttempt> attempts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      BatchAttempt a = new BatchAttempt(null, new AttemptId("r", "t" + i, 1), "weft-r-t" + i + "-1-x", "q",
          NO_LISTENER);
      a.submitted("job-" + i, "arn:job-" + i);
      batch.jobs.put("job-" + i, status);
      poller.watch(a);
      attempts.add(a);
    }
    return attempts;
  }
}
