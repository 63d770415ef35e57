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
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 endpoint on loopback: {@code moto_server -H 127.0.0.1 -p PORT} (moto 5.2.1, this machine's Python 3.11) as
 * a child process, with an SDK client of the test's own to create buckets and objects in it. moto keeps everything in
 * memory, so one per test class is a clean S3.
 *
 * <p>{@link #startAuthenticating} starts one that checks credentials ({@code INITIAL_NO_AUTH_ACTION_COUNT=0}): every
 * request with keys its IAM does not know is answered 403, which is how a test gets a real "access denied".
 *
 * <p>A machine without {@code moto_server} fails the test that needs it (never skips it).
 */
final class LocalS3Endpoint implements AutoCloseable {
  static final String REGION = "us-east-1";
  static final String ACCESS_KEY = "local";
  static final String SECRET_KEY = "local";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final int port;
  private final Process process;
  private final Path log;
  private S3Client client;

  private LocalS3Endpoint(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /** Starts moto on a free loopback port and waits until it answers. */
  static LocalS3Endpoint start(Path dir) throws Exception {
    return start(dir, false);
  }

  /** Like {@link #start}, checking every request's credentials (unknown keys get 403). */
  static LocalS3Endpoint startAuthenticating(Path dir) throws Exception {
    return start(dir, true);
  }

  private static LocalS3Endpoint start(Path dir, boolean authenticating) throws Exception {
    int port = Ports.free();
    Path log = Files.createDirectories(dir).resolve("moto-s3-" + port + ".log");
    ProcessBuilder pb = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    if (authenticating) pb.environment().put("INITIAL_NO_AUTH_ACTION_COUNT", "0");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError("moto_server is not on the PATH (" + e.getMessage() + "); the S3 tests need moto 5.2.1"
          + " (pip install 'moto[server]==5.2.1')", e);
    }
    LocalS3Endpoint endpoint = new LocalS3Endpoint(port, p, log);
    // A test JVM that is stopped skips @AfterAll; moto must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close));
    try {
      endpoint.awaitReady();
    } catch (Exception | AssertionError e) {
      endpoint.close();
      throw e;
    }
    return endpoint;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** The test's own client (path style, static keys), for buckets and objects. */
  synchronized S3Client client() {
    if (client == null) {
      client = S3Client.builder().endpointOverride(uri()).region(Region.of(REGION)).forcePathStyle(true)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
          .httpClientBuilder(UrlConnectionHttpClient.builder())
          // Checksums only where S3 requires them: plain PUTs that any S3-compatible server reads.
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED).build();
    }
    return client;
  }

  void createBucket(String bucket) {
    client().createBucket(b -> b.bucket(bucket));
  }

  void put(String bucket, String key, String content) {
    client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString(content, StandardCharsets.UTF_8));
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(moto's log is not readable: " + e + ")";
    }
  }

  private void awaitReady() throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError("moto_server did not start (is moto 5.2.1 installed for python3?):\n" + logText());
      }
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri().resolve("/moto-api/data.json"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("moto_server did not answer on port " + port + " within " + READY_TIMEOUT + ":\n"
            + logText());
      }
      Thread.sleep(100);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (client != null) client.close();
      client = null;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
