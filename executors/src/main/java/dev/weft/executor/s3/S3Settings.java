package dev.weft.executor.s3;

import java.net.URI;

/**
 * How the S3 output checker reaches S3. What is left null comes from the AWS SDK's own chain: the region chain
 * ({@code AWS_REGION}, profiles), the default credential provider chain, and the endpoint settings
 * ({@code AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL}, {@code aws.endpointUrlS3}, profiles), so an executor is
 * pointed at S3, or at a local endpoint such as moto, the way any AWS tool is. The explicit fields exist for code that
 * cannot set a process environment (tests, an embedding application).
 *
 * @param region explicit region; null = the SDK's region chain (a local endpoint with no region anywhere gets
 *     {@link #LOCAL_ENDPOINT_REGION})
 * @param endpoint explicit endpoint; null = the SDK's endpoint resolution
 * @param accessKeyId explicit static credentials (with {@code secretAccessKey}); null = the default provider chain
 * @param secretAccessKey see {@code accessKeyId}
 */
public record S3Settings(String region, URI endpoint, String accessKeyId, String secretAccessKey) {
  /** The region a local endpoint (moto, MinIO) is given when none is configured: the SDK insists on one. */
  public static final String LOCAL_ENDPOINT_REGION = "us-east-1";

  /** Everything from the SDK's chain. */
  public static S3Settings fromEnvironment() {
    return new S3Settings(null, null, null, null);
  }

  public S3Settings withEndpoint(URI e, String r) {
    return new S3Settings(r, e, accessKeyId, secretAccessKey);
  }

  public S3Settings withStaticCredentials(String id, String secret) {
    return new S3Settings(region, endpoint, id, secret);
  }
}
