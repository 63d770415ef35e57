package dev.weft.executor.batch;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How the batch backend reaches AWS and paces itself. Region, credentials and endpoint come from the AWS SDK's own
 * chain when left null ({@code AWS_REGION}, the default credential provider chain, {@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_BATCH}, {@code AWS_ENDPOINT_URL_CLOUDWATCH_LOGS}, profiles): a deployment configures the
 * executor the way it configures any AWS tool, and no Weft-only variable points it anywhere. The explicit fields
 * exist for code that cannot set a process environment (tests, an embedding application).
 *
 * @param jobQueue the queue of tasks whose block names none ({@code weft executor batch --job-queue})
 * @param instanceId the executor instance's id; every job is tagged with it, and a restarted executor with the same
 *     id adopts exactly its own jobs. Null = jobs are not tagged with an owner and nothing is adopted after a restart
 *     (the coordinator then presumes such attempts lost and retries them)
 * @param scope names the installation (its topic prefix) on every job, so installations sharing an account and
 *     region never adopt each other's jobs; null = the unscoped default, which never adopts a scoped job
 * @param region explicit region; null = the SDK's region chain
 * @param endpoint explicit endpoint for both Batch and CloudWatch Logs; null = the SDK's endpoint resolution
 * @param accessKeyId explicit static credentials (with {@code secretAccessKey}); null = the default provider chain
 * @param secretAccessKey see {@code accessKeyId}
 * @param pollInterval how often one batched DescribeJobs looks at every live job of this instance
 * @param backoffMax the longest wait between retries of a throttled or failing call
 * @param jobMissingAfter how long a job may be absent from DescribeJobs answers before it is presumed lost
 */
public record BatchSettings(
    String jobQueue,
    String instanceId,
    String scope,
    String region,
    URI endpoint,
    String accessKeyId,
    String secretAccessKey,
    Duration pollInterval,
    Duration backoffMax,
    Duration jobMissingAfter) {

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
  /** The region a local endpoint (moto, LocalStack) is given when none is configured: the SDK insists on one. */
  public static final String LOCAL_ENDPOINT_REGION = "us-east-1";

  /** Everything from the SDK's chain; only the default queue and the instance are Weft's to say. */
  public static BatchSettings defaults(String jobQueue, String instanceId) {
    return new BatchSettings(jobQueue, instanceId, null, null, null, null, null, DEFAULT_POLL_INTERVAL,
        Duration.ofSeconds(30), Duration.ofMinutes(2));
  }

  public BatchSettings withScope(String s) {
    return new BatchSettings(jobQueue, instanceId, s, region, endpoint, accessKeyId, secretAccessKey, pollInterval,
        backoffMax, jobMissingAfter);
  }

  public BatchSettings withInstanceId(String id) {
    return new BatchSettings(jobQueue, id, scope, region, endpoint, accessKeyId, secretAccessKey, pollInterval,
        backoffMax, jobMissingAfter);
  }

  /** An explicit endpoint and region, for code that cannot set {@code AWS_ENDPOINT_URL} and {@code AWS_REGION}. */
  public BatchSettings withEndpoint(URI e, String r) {
    return new BatchSettings(jobQueue, instanceId, scope, r, e, accessKeyId, secretAccessKey, pollInterval,
        backoffMax, jobMissingAfter);
  }

  public BatchSettings withStaticCredentials(String id, String secret) {
    return new BatchSettings(jobQueue, instanceId, scope, region, endpoint, id, secret, pollInterval, backoffMax,
        jobMissingAfter);
  }

  public BatchSettings withPollInterval(Duration d) {
    return new BatchSettings(jobQueue, instanceId, scope, region, endpoint, accessKeyId, secretAccessKey, d,
        backoffMax, jobMissingAfter);
  }

  public BatchSettings withBackoffMax(Duration d) {
    return new BatchSettings(jobQueue, instanceId, scope, region, endpoint, accessKeyId, secretAccessKey,
        pollInterval, d, jobMissingAfter);
  }

  /**
   * Why the batch executor can run here, from the environment only (no network call: instance metadata would cost
   * seconds on a machine outside AWS): a region or an endpoint is configured the AWS way.
   *
   * @return empty when it can run, else a sentence saying what to set
   */
  public static Optional<String> whyNotConfigured() {
    if (firstSet("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BATCH") != null
        || System.getProperty("aws.region") != null || System.getProperty("aws.endpointUrl") != null) {
      return Optional.empty();
    }
    String profile = firstSet("AWS_PROFILE");
    if (profile != null) return Optional.empty();
    return Optional.of("no AWS region or endpoint is configured; set AWS_REGION (and credentials the AWS way), or"
        + " AWS_ENDPOINT_URL for a local endpoint such as moto");
  }

  private static String firstSet(String... names) {
    for (String n : names) {
      String v = System.getenv(n);
      if (v != null && !v.isBlank()) return v;
    }
    return null;
  }
}
