package dev.weft.tests;

import dev.weft.embedded.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.BucketVersioningStatus;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectVersion;

/**
 * A real S3 endpoint on loopback: moto 5.2.1's server ({@code moto_server -H 127.0.0.1 -p PORT}) as a child process,
 * for the completion sink's tests, with one bucket whose versioning is on: every PUT that stored something is a
 * version, so {@link #versionsByKey} counts writes. A machine without {@code moto_server} fails the test that needs
 * it. The sibling of {@link LocalS3Endpoint} (which the output-target tests use) and {@link LocalBatchEndpoint}; moto
 * keeps everything in memory, so one per test class.
 */
final class VersionedS3Endpoint implements AutoCloseable {
  static final String REGION = "us-east-1";
  static final String ACCESS_KEY = "weft-test";
  static final String SECRET_KEY = "weft-test-secret";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final int port;
  private final Process process;
  private final Path log;
  private final S3Client s3;

  private VersionedS3Endpoint(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
    this.s3 = S3Client.builder().httpClientBuilder(UrlConnectionHttpClient.builder()).region(Region.of(REGION))
        .endpointOverride(uri()).forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  /** Starts moto on a free loopback port, waits until it answers, and creates {@code bucket} with versioning on. */
  static VersionedS3Endpoint start(Path dir, String bucket) throws Exception {
    int port = Ports.free();
    Path log = Files.createDirectories(dir).resolve("moto-s3-" + port + ".log");
    Process p;
    try {
      p = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port)).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new AssertionError("moto_server is not on the PATH (" + e.getMessage() + "); the completion sink's S3 tests"
          + " need moto 5.2.1 (pip install 'moto[server]==5.2.1')", e);
    }
    VersionedS3Endpoint endpoint = new VersionedS3Endpoint(port, p, log);
    Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close));
    try {
      endpoint.awaitReady();
      endpoint.s3.createBucket(b -> b.bucket(bucket));
      endpoint.s3.putBucketVersioning(b -> b.bucket(bucket)
          .versioningConfiguration(v -> v.status(BucketVersioningStatus.ENABLED)));
    } catch (Exception | AssertionError e) {
      endpoint.close();
      throw e;
    }
    return endpoint;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** What a Weft process needs in its environment to reach this endpoint the AWS way. */
  Map<String, String> environment() {
    return Map.of("AWS_ENDPOINT_URL_S3", uri().toString(), "AWS_REGION", REGION, "AWS_ACCESS_KEY_ID", ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  S3Client client() {
    return s3;
  }

  /** Every key of the bucket with how many versions it has: each version is one PUT that stored an object. */
  Map<String, Integer> versionsByKey(String bucket) {
    Map<String, Integer> out = new TreeMap<>();
    for (ListObjectVersionsResponse page : s3.listObjectVersionsPaginator(b -> b.bucket(bucket))) {
      for (ObjectVersion v : page.versions()) out.merge(v.key(), 1, Integer::sum);
    }
    return out;
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void awaitReady() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) throw new AssertionError("moto_server exited:\n" + logText());
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri().resolve("/moto-api/data.json"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("moto_server did not answer within " + READY_TIMEOUT + ":\n" + logText());
  }

  @Override
  public void close() {
    s3.close();
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
