package dev.weft.tests;

import dev.weft.embedded.Ports;
import dev.weft.executor.batch.BatchSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real AWS Batch endpoint on loopback: moto's server as a child process, serving the Batch, CloudWatch Logs and IAM
 * APIs and running each Batch job as a real container of the local Docker engine (host networking, as
 * {@code MOTO_DOCKER_NETWORK_MODE=host} asks). It is started through {@code examples/batch/moto-server.py}, which is
 * moto_server with two of its numbers written as the AWS API has them (integers), so the Java SDK can read its answers;
 * docs/executors/batch.md says what and why. Seeded by the example's own script ({@code examples/batch/seed-moto.py}:
 * an IAM role, an UNMANAGED compute environment, a job queue), so the tests and the example set moto up one way.
 *
 * <p>One per test class: moto keeps everything in memory, and starting it costs about two seconds. A machine
 * without {@code moto_server} fails the test that needs it: the batch executor is proved against a real endpoint or
 * not at all.
 */
final class LocalBatchEndpoint implements AutoCloseable {
  static final String REGION = "us-east-1";
  static final String QUEUE = "weft-queue";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final int port;
  private final Process process;
  private final Path log;

  private LocalBatchEndpoint(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts moto on a free loopback port, waits until it answers, and seeds it.
   *
   * @throws AssertionError when moto_server is not on the PATH, does not answer, or cannot be seeded
   */
  static LocalBatchEndpoint start(Path dir, String... definitions) throws Exception {
    int port = Ports.free();
    Path log = Files.createDirectories(dir).resolve("moto-" + port + ".log");
    Path server = ContainerEngine.repositoryRoot().resolve("examples/batch/moto-server.py");
    ProcessBuilder pb = new ProcessBuilder("python3", server.toString(), "-H", "127.0.0.1", "-p",
        Integer.toString(port)).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("MOTO_DOCKER_NETWORK_MODE", "host");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError("python3 is not on the PATH (" + e.getMessage() + "); the batch tests need moto 5.2.1"
          + " (pip install 'moto[server,batch]==5.2.1')", e);
    }
    LocalBatchEndpoint endpoint = new LocalBatchEndpoint(port, p, log);
    // A test JVM that is stopped skips @AfterAll; moto must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close));
    try {
      endpoint.awaitReady();
      endpoint.seed(definitions);
    } catch (Exception | AssertionError e) {
      endpoint.close();
      throw e;
    }
    return endpoint;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Settings of a backend against this endpoint: explicit endpoint, region and keys, and a quick poll. */
  BatchSettings settings(String instanceId, String scope) {
    return BatchSettings.defaults(QUEUE, instanceId).withScope(scope).withEndpoint(uri(), REGION)
        .withStaticCredentials("local", "local").withPollInterval(Duration.ofMillis(300))
        .withBackoffMax(Duration.ofSeconds(2));
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
        throw new AssertionError("moto did not start (is moto 5.2.1 installed for python3?):\n" + logText());
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

  private void seed(String... definitions) throws Exception {
    Path script = ContainerEngine.repositoryRoot().resolve("examples/batch/seed-moto.py");
    List<String> argv = new java.util.ArrayList<>(List.of("python3", script.toString(), "--endpoint", uri().toString(),
        "--region", REGION, "--queue", QUEUE));
    for (String d : definitions) {
      argv.add("--definition");
      argv.add(d);
    }
    Path out = Files.createTempFile("weft-moto-seed", ".log");
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new AssertionError("seeding moto failed: " + argv + "\n" + Files.readString(out));
      }
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Override
  public void close() {
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
