package dev.weft.sink;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Opens a history location as given to {@code --history} or {@code WEFT_HISTORY}: {@code s3://bucket/prefix}, or a
 * local directory (a path or a {@code file:} URI).
 *
 * <p>S3 is configured the AWS way: the SDK's region chain, default credential chain and endpoint settings
 * ({@code AWS_ENDPOINT_URL_S3}, {@code AWS_ENDPOINT_URL}, profiles). Two additions, as for the batch executor: an
 * endpoint with no region anywhere (a local S3 such as moto) gets {@value #LOCAL_ENDPOINT_REGION}, and an endpoint
 * set in the environment gets path-style addressing, because a local server has no DNS name per bucket.
 */
public final class HistoryStores {
  public static final String LOCAL_ENDPOINT_REGION = "us-east-1";

  private HistoryStores() {}

  public static HistoryStore open(String location) {
    if (location.startsWith("s3://")) {
      URI uri = URI.create(location);
      String bucket = uri.getHost();
      if (bucket == null || bucket.isBlank()) {
        throw new IllegalArgumentException("history location '" + location + "' names no bucket; write s3://bucket/prefix");
      }
      String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "");
      if (!prefix.isEmpty() && !prefix.endsWith("/")) prefix += "/";
      return new S3HistoryStore(s3(), bucket, prefix);
    }
    if (location.contains("://") && !location.startsWith("file:")) {
      throw new IllegalArgumentException("history location '" + location + "' is neither s3://bucket/prefix nor a "
          + "local directory");
    }
    return new LocalHistoryStore(location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location));
  }

  private static S3Client s3() {
    S3ClientBuilder b = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(30)));
    boolean endpoint = !blank(System.getenv("AWS_ENDPOINT_URL_S3")) || !blank(System.getenv("AWS_ENDPOINT_URL"))
        || !blank(System.getProperty("aws.endpointUrlS3")) || !blank(System.getProperty("aws.endpointUrl"));
    if (endpoint) {
      b.forcePathStyle(true);
      if (blank(System.getenv("AWS_REGION")) && blank(System.getenv("AWS_DEFAULT_REGION"))
          && blank(System.getProperty("aws.region")) && blank(System.getenv("AWS_PROFILE"))) {
        b.region(Region.of(LOCAL_ENDPOINT_REGION));
      }
    }
    return b.build();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
