package dev.weft.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The real Docker engine as the container end-to-end tests see it: made to answer by {@code tests/docker/ensure-docker.sh}
 * (which also builds the test image), and looked at through the {@code docker} command line, independently of the
 * docker-java client under test.
 */
final class ContainerEngine {
  static final String IMAGE = "weft-test/busybox:1";

  private ContainerEngine() {}

  /**
   * Runs {@code tests/docker/ensure-docker.sh}; it installs and starts dockerd when needed, so the first call may take
   * minutes.
   *
   * @throws AssertionError with the script's output when the engine cannot be made to answer: these tests prove the
   *     container executor end to end and must not pass by skipping
   */
  static void ensure() {
    Path script = locate("docker/ensure-docker.sh");
    Result r = run(Duration.ofMinutes(15), "bash", script.toString());
    if (r.exit != 0) {
      throw new AssertionError("tests/docker/ensure-docker.sh failed (exit " + r.exit + "); the container tests need a "
          + "Docker engine and the image " + IMAGE + ":\n" + r.output);
    }
  }

  /** Ids of every container, running or not, that carries the label {@code key=value}. */
  static List<String> containersLabelled(String key, String value) {
    Result r = run(Duration.ofSeconds(60), "docker", "ps", "-a", "-q", "--filter", "label=" + key + "=" + value);
    if (r.exit != 0) throw new AssertionError("docker ps failed (exit " + r.exit + "): " + r.output);
    return r.output.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /**
   * Starts a long-sleeping container that looks like another Weft installation's running attempt (unscoped weft
   * labels), for proving an executor adopts only its own installation's containers.
   *
   * @return the container id
   */
  static String startForeignAttempt(String runId) {
    return docker("run", "-d", "--network", "none", "--user", "65534:65534",
        "--label", "weft.executor=container", "--label", "weft.run=" + runId, "--label", "weft.task=foreign",
        "--label", "weft.attempt=1", IMAGE, "sleep", "600").strip();
  }

  static void removeContainer(String id) {
    docker("rm", "-f", id);
  }

  /** Whether the container is running, per {@code docker inspect}. */
  static boolean isRunning(String id) {
    return docker("inspect", "--format", "{{.State.Running}}", id).strip().equals("true");
  }

  private static String docker(String... args) {
    String[] argv = new String[args.length + 1];
    argv[0] = "docker";
    System.arraycopy(args, 0, argv, 1, args.length);
    Result r = run(Duration.ofMinutes(2), argv);
    if (r.exit != 0) throw new AssertionError(Arrays.toString(argv) + " failed (exit " + r.exit + "): " + r.output);
    return r.output;
  }

  /** A fresh host directory every uid may write: the containers run as nobody (65534), the test JVM as root. */
  static Path sharedDir(Path parent, String name) throws IOException {
    Path dir = Files.createDirectories(parent.resolve(name));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    return dir;
  }

  /** Waits for a condition, failing with {@code what} when it does not hold within {@code timeout}. */
  static void waitUntil(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting until " + what);
      Thread.sleep(100);
    }
  }

  /** The repository file at {@code relative} under {@code tests/}, from either the module or the repository root. */
  static Path locate(String relative) {
    for (Path base : List.of(Path.of(""), Path.of("tests"))) {
      Path p = base.resolve(relative).toAbsolutePath().normalize();
      if (Files.exists(p)) return p;
    }
    throw new AssertionError("tests/" + relative + " not found from " + Path.of("").toAbsolutePath());
  }

  /** The repository root (the directory holding {@code examples/}). */
  static Path repositoryRoot() {
    return locate("docker/ensure-docker.sh").getParent().getParent().getParent();
  }

  private record Result(int exit, String output) {}

  private static Result run(Duration timeout, String... argv) {
    try {
      Path log = Files.createTempFile("weft-docker-cmd", ".log");
      try {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new AssertionError(Arrays.toString(argv) + " did not finish within " + timeout + ":\n"
              + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(log);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + Arrays.toString(argv) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while running " + Arrays.toString(argv), e);
    }
  }
}
