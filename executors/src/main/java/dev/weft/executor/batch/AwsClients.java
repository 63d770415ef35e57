package dev.weft.executor.batch;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;

/**
 * Builds the two SDK clients the backend uses, configured the AWS way: what {@link BatchSettings} leaves null is
 * resolved by the SDK itself (region chain, default credential provider chain, {@code AWS_ENDPOINT_URL},
 * {@code AWS_ENDPOINT_URL_BATCH}, {@code AWS_ENDPOINT_URL_CLOUDWATCH_LOGS}, profiles, retry mode). The one addition:
 * an endpoint with no region anywhere (a local endpoint such as moto) gets {@link BatchSettings#LOCAL_ENDPOINT_REGION},
 * because the SDK refuses to build a client without a region and would first spend seconds asking instance
 * metadata that a laptop does not have.
 *
 * <p>HTTP goes through the JDK's URLConnection client: no Netty and no second Apache HttpClient on the classpath.
 */
final class AwsClients {
  private AwsClients() {}

  static BatchClient batch(BatchSettings s) {
    return configure(BatchClient.builder().httpClientBuilder(http()), s).build();
  }

  /**
   * A Batch client that never retries by itself, for SubmitJob only. SubmitJob has no idempotency token: a call that
   * created the job but whose answer was lost (a 5xx, a timeout) would create a second job when the SDK retried it.
   * The backend retries instead, and looks for the job by name before each new try.
   */
  static BatchClient batchWithoutRetries(BatchSettings s) {
    return configure(BatchClient.builder().httpClientBuilder(http())
        .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry())), s).build();
  }

  static CloudWatchLogsClient logs(BatchSettings s) {
    return configure(CloudWatchLogsClient.builder().httpClientBuilder(http()), s).build();
  }

  private static UrlConnectionHttpClient.Builder http() {
    return UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(5))
        .socketTimeout(Duration.ofSeconds(30));
  }

  private static <B extends AwsClientBuilder<B, ?>> B configure(B b, BatchSettings s) {
    if (s.region() != null) {
      b.region(Region.of(s.region()));
    } else if (noRegionConfigured() && (s.endpoint() != null || endpointInEnvironment())) {
      b.region(Region.of(BatchSettings.LOCAL_ENDPOINT_REGION));
    }
    if (s.endpoint() != null) b.endpointOverride(s.endpoint());
    if (s.accessKeyId() != null) {
      b.credentialsProvider(StaticCredentialsProvider.create(
          AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey())));
    }
    return b;
  }

  private static boolean noRegionConfigured() {
    return blank(System.getenv("AWS_REGION")) && blank(System.getenv("AWS_DEFAULT_REGION"))
        && blank(System.getProperty("aws.region")) && blank(System.getenv("AWS_PROFILE"));
  }

  private static boolean endpointInEnvironment() {
    return !blank(System.getenv("AWS_ENDPOINT_URL")) || !blank(System.getenv("AWS_ENDPOINT_URL_BATCH"))
        || !blank(System.getProperty("aws.endpointUrl"));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
