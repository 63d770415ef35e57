package dev.weft.executor.s3;

import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Builds the S3 client of the output checker, configured the AWS way ({@link S3Settings}), with three additions:
 * <ul>
 *   <li><b>Path-style addressing whenever an endpoint is overridden</b> (explicitly or through
 *       {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL}): a local endpoint (moto, MinIO, s3proxy) has no
 *       wildcard DNS for {@code bucket.host}, and virtual-hosted requests to it would not resolve.</li>
 *   <li><b>A region for a local endpoint</b> when none is configured anywhere, because the SDK refuses to build a
 *       client without one and would first spend seconds asking instance metadata that a laptop does not have.</li>
 *   <li><b>A short budget per call</b> ({@link #CALL_TIMEOUT}, retries included): the check runs on the executor's
 *       poll thread, which also commits the heartbeats of running attempts, so an unreachable S3 must cost seconds,
 *       not the SDK's default minutes.</li>
 * </ul>
 * Cross-region access is on, so a bucket in another region than the configured one is found, as the AWS CLI does.
 */
final class S3Clients {
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);

  private S3Clients() {}

  static S3Client build(S3Settings s) {
    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(ATTEMPT_TIMEOUT))
        .overrideConfiguration(c -> c.apiCallTimeout(CALL_TIMEOUT).apiCallAttemptTimeout(ATTEMPT_TIMEOUT))
        .crossRegionAccessEnabled(true);
    boolean endpointOverridden = s.endpoint() != null || endpointInEnvironment();
    if (s.region() != null) {
      b.region(Region.of(s.region()));
    } else if (endpointOverridden && noRegionConfigured()) {
      b.region(Region.of(S3Settings.LOCAL_ENDPOINT_REGION));
    }
    if (s.endpoint() != null) b.endpointOverride(s.endpoint());
    if (endpointOverridden) b.forcePathStyle(true);
    if (s.accessKeyId() != null) {
      b.credentialsProvider(StaticCredentialsProvider.create(
          AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey())));
    }
    return b.build();
  }

  private static boolean noRegionConfigured() {
    return blank(System.getenv("AWS_REGION")) && blank(System.getenv("AWS_DEFAULT_REGION"))
        && blank(System.getProperty("aws.region")) && blank(System.getenv("AWS_PROFILE"));
  }

  /** The endpoint settings the SDK itself reads, service-specific first. */
  private static boolean endpointInEnvironment() {
    return !blank(System.getenv("AWS_ENDPOINT_URL_S3")) || !blank(System.getenv("AWS_ENDPOINT_URL"))
        || !blank(System.getProperty("aws.endpointUrlS3")) || !blank(System.getProperty("aws.endpointUrl"));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
