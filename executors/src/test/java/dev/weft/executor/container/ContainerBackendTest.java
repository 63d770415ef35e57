package dev.weft.executor.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.spec.Resources;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container backend against a real Docker engine (started by tests/docker/ensure-docker.sh) and the locally
 * built image weft-test/busybox:1. Every container gets a run id unique to this test JVM, so leftovers of other
 * runs never interfere, and {@link #removeLeftovers()} cleans up after a failed assertion.
 */
class ContainerBackendTest {
  private static final String IMAGE = "weft-test/busybox:1";
  private static final String RUN_PREFIX = "ct" + Long.toString(System.currentTimeMillis(), 36);
  private static final Duration OUTCOME_WAIT = Duration.ofSeconds(30);

  private static ContainerBackend backend;

  @BeforeAll
  static void startEngine() throws Exception {
    Path script = repoRoot().resolve("tests/docker/ensure-docker.sh");
    Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    boolean exited = p.waitFor(5, TimeUnit.MINUTES);
    Assumptions.assumeTrue(exited && p.exitValue() == 0,
        "SKIPPED: no Docker engine could be started by " + script + ":\n" + out);
    backend = new ContainerBackend(ContainerBackend.Settings.defaults().withPullTimeout(Duration.ofSeconds(30)));
  }

  @AfterAll
  static void removeLeftovers() {
    if (backend == null) return;
    for (Container c : backend.docker().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(ContainerBackend.LABEL_EXECUTOR, ContainerBackend.NAME)).exec()) {
      String run = c.getLabels().getOrDefault(ContainerBackend.LABEL_RUN, "");
      if (run.startsWith(RUN_PREFIX)) backend.docker().removeContainerCmd(c.getId()).withForce(true).exec();
    }
    backend.close();
  }

  @Test
  void shouldHandAFileFromOneContainerToTheNextThroughAVolume() throws Exception {
    Path dir = Files.createTempDirectory(Paths.get("/tmp"), "weft-volume-");
    // Containers run as uid 65534 by default; the directory must be writable for it.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    String volume = "\"volumes\": [{\"source\": \"" + dir + "\", \"target\": \"/data\"}]";

    AttemptOutcome first = run(request("writer", """
        {"image": "%s", "command": ["sh", "-c", "echo hello-from-writer > /data/handoff.txt"], %s}
        """.formatted(IMAGE, volume), null));
    assertThat(first.succeeded()).as("writer outcome %s", first).isTrue();
    assertThat(Files.readString(dir.resolve("handoff.txt"))).isEqualTo("hello-from-writer\n");

    String readOnlyVolume = "\"mounts\": [{\"source\": \"" + dir + "\", \"target\": \"/data\", \"readOnly\": true}]";
    AttemptOutcome second = run(request("reader", """
        {"image": "%s", "command": ["sh", "-c", "cat /data/handoff.txt; touch /data/other 2>/dev/null && echo WRITABLE || echo mount-is-read-only"], %s}
        """.formatted(IMAGE, readOnlyVolume), null));
    assertThat(second.succeeded()).as("reader outcome %s", second).isTrue();
    assertThat(second.logTail()).contains("hello-from-writer").contains("mount-is-read-only").doesNotContain("WRITABLE");
  }

  @Test
  void shouldGiveTheTaskItsRunTaskAndAttemptWhichItsOwnEnvCannotOverride() throws Exception {
    AttemptRequest request = request("who", """
        {"image": "%s", "env": {"WEFT_ATTEMPT": "99", "GREETING": "hi"},
         "command": ["sh", "-c", "echo \\"$GREETING|$WEFT_RUN_ID|$WEFT_TASK_ID|$WEFT_ATTEMPT|$WEFT_ATTEMPT_ID\\""]}
        """.formatted(IMAGE), null);
    AttemptId id = request.id();

    AttemptOutcome outcome = run(request);

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.logTail().trim()).isEqualTo("hi|" + id.runId() + "|who|1|" + id.runId() + "/who#1");
  }

  @Test
  void shouldStopAContainerThatNoExecutorWatchesAndLeaveWatchedOnesAlone() throws Exception {
    // The executor that started it is gone: its backend closed without stopping it, as after a kill.
    ContainerBackend dead = new ContainerBackend(ContainerBackend.Settings.defaults());
    AttemptRequest orphan = request("orphan", """
        {"image": "%s", "command": ["sleep", "300"]}
        """.formatted(IMAGE), null);
    String orphanId = dead.launch(orphan, new Recorder()).handle();
    dead.close();
    AttemptRequest watchedHere = request("watched", """
        {"image": "%s", "command": ["sleep", "300"]}
        """.formatted(IMAGE), null);
    RunningAttempt watched = backend.launch(watchedHere, new Recorder());
    assertThat(running(orphanId)).isTrue();

    assertThat(backend.stopUnwatched(watchedHere.id(), Duration.ofSeconds(1), "x")).as("watched here").isFalse();
    assertThat(backend.stopUnwatched(new AttemptId(RUN_PREFIX + "-none", "none", 1), Duration.ofSeconds(1), "x")).isFalse();
    assertThat(backend.stopUnwatched(orphan.id(), Duration.ofSeconds(1), "presumed lost")).isTrue();

    waitFor("the orphan container to stop", () -> !running(orphanId));
    assertThat(running(watched.handle())).as("the watched container runs on").isTrue();
    watched.cancel(Duration.ZERO, "test over");
  }

  @Test
  void shouldReportOomKilledWhenTheMemoryLimitIsExceeded() throws Exception {
    AttemptOutcome outcome = run(request("hog", """
        {"image": "%s", "command": ["sh", "-c", "x=$(head -c 100000000 /dev/zero | tr '\\\\0' a); echo ${#x}"]}
        """.formatted(IMAGE), new Resources(null, "16Mi", null)));
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.OOM_KILLED);
    assertThat(outcome.exitCode()).isEqualTo(137);
    assertThat(outcome.reason()).isEqualTo("killed: out of memory (limit 16Mi); raise resources.memory");
  }

  @Test
  void shouldIsolateByDefaultAndApplyLimits() throws Exception {
    AttemptRequest request = request("isolated", """
        {"image": "%s", "keepContainer": true, "command": ["sh", "-c",
          "echo uid=$(id -u); grep CapEff /proc/self/status; echo ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\\\n' ,); touch /rootfile 2>/dev/null || echo rootfs-read-only; touch /tmp/x && echo tmp-writable"]}
        """.formatted(IMAGE), new Resources(0.5, "64Mi", 50L));
    Recorder listener = new Recorder();
    RunningAttempt attempt = backend.launch(request, listener);
    AttemptOutcome outcome = listener.await();
    try {
      assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
      assertThat(outcome.logTail())
          .contains("uid=65534")
          .containsPattern("CapEff:\\s+0000000000000000")
          .contains("ifaces=lo,\n")
          .contains("rootfs-read-only")
          .contains("tmp-writable");

      InspectContainerResponse kept = backend.docker().inspectContainerCmd(attempt.handle()).exec();
      assertThat(kept.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
      assertThat(kept.getHostConfig().getMemory()).isEqualTo(64L << 20);
      assertThat(kept.getHostConfig().getMemorySwap()).isEqualTo(64L << 20);
      assertThat(kept.getHostConfig().getPidsLimit()).isEqualTo(50L);
      assertThat(kept.getHostConfig().getCapDrop()).containsExactly(Capability.ALL);
      assertThat(kept.getHostConfig().getPrivileged()).isFalse();
      assertThat(kept.getHostConfig().getSecurityOpts()).contains("no-new-privileges");
      assertThat(kept.getHostConfig().getReadonlyRootfs()).isTrue();
      assertThat(kept.getHostConfig().getNetworkMode()).isEqualTo("none");
      assertThat(kept.getConfig().getUser()).isEqualTo("65534:65534");
      assertThat(kept.getConfig().getLabels())
          .containsEntry(ContainerBackend.LABEL_RUN, request.id().runId())
          .containsEntry(ContainerBackend.LABEL_TASK, "isolated")
          .containsEntry(ContainerBackend.LABEL_ATTEMPT, "1")
          .containsEntry(ContainerBackend.LABEL_EXECUTOR, "container");
      // Reported once: a later executor must not be offered it for adoption again.
      assertThat(kept.getName()).endsWith(ContainerBackend.REPORTED_SUFFIX);
      assertThat(backend.findRunning()).doesNotContain(request.id());
    } finally {
      backend.docker().removeContainerCmd(attempt.handle()).withForce(true).exec();
    }
  }

  @Test
  void shouldReportExitCodeWithLastErrorLineAndLogTail() throws Exception {
    Recorder listener = new Recorder();
    RunningAttempt attempt = backend.launch(request("fails", """
        {"image": "%s", "command": ["sh", "-c", "echo some progress; echo 'boom: disk full' >&2; exit 3"]}
        """.formatted(IMAGE), null), listener);
    AttemptOutcome outcome = listener.await();
    assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.EXIT_CODE);
    assertThat(outcome.exitCode()).isEqualTo(3);
    assertThat(outcome.reason()).isEqualTo("exited with code 3: boom: disk full");
    assertThat(outcome.logTail()).contains("some progress").contains("boom: disk full");
    assertRemoved(attempt.handle());
  }

  @Test
  void shouldStopACancelledContainerWithinTheGrace() throws Exception {
    Recorder listener = new Recorder();
    RunningAttempt attempt = backend.launch(request("sleeper", """
        {"image": "%s", "command": ["sh", "-c", "echo sleeping; sleep 300"]}
        """.formatted(IMAGE), null), listener);
    waitFor("container running", () -> running(attempt.handle()));
    long t0 = System.nanoTime();
    attempt.cancel(Duration.ofSeconds(1), "cancelled by test");
    AttemptOutcome outcome = listener.await();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(took).as("stop took %s", took).isLessThan(Duration.ofSeconds(6));
    assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.CANCELLED);
    assertThat(outcome.reason()).isEqualTo("cancelled by test");
    assertThat(outcome.logTail()).contains("sleeping");
    assertRemoved(attempt.handle());
  }

  @Test
  void shouldStopAContainerThatOutlivesTheAttemptTimeout() throws Exception {
    AttemptRequest untimed = request("too-slow", """
        {"image": "%s", "command": ["sleep", "300"]}
        """.formatted(IMAGE), null);
    AttemptRequest request = new AttemptRequest(untimed.id(), untimed.pipeline(), untimed.task(), Duration.ofSeconds(1));
    try (ContainerBackend quickGrace = new ContainerBackend(
        ContainerBackend.Settings.defaults().withTimeoutGrace(Duration.ofMillis(500)))) {
      Recorder listener = new Recorder();
      long t0 = System.nanoTime();
      RunningAttempt attempt = quickGrace.launch(request, listener);
      AttemptOutcome outcome = listener.await();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
      assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.TIMED_OUT);
      assertThat(outcome.reason()).startsWith("timed out after PT1S");
      assertRemoved(attempt.handle());
    }
  }

  @Test
  void shouldAdoptARunningContainerAfterTheExecutorDied() throws Exception {
    AttemptRequest request = request("adopted", """
        {"image": "%s", "command": ["sh", "-c", "sleep 3; echo done"]}
        """.formatted(IMAGE), null);
    Recorder deadListener = new Recorder();
    String handle;
    try (ContainerBackend first = new ContainerBackend()) {
      handle = first.launch(request, deadListener).handle();
    } // the executor "dies": close leaves the container running

    assertThat(running(handle)).as("container survives its executor").isTrue();
    try (ContainerBackend second = new ContainerBackend()) {
      assertThat(second.findRunning()).contains(request.id());
      Recorder listener = new Recorder();
      RunningAttempt adopted = second.adopt(request.id(), listener);
      assertThat(adopted).isNotNull();
      assertThat(adopted.handle()).isEqualTo(handle);
      AttemptOutcome outcome = listener.await();
      assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
      assertThat(outcome.logTail()).contains("done");
      assertRemoved(handle);
      assertThat(listener.calls).hasSize(1);
      assertThat(deadListener.calls).as("the closed backend reports nothing").isEmpty();
      assertThat(second.findRunning()).doesNotContain(request.id());
    }
  }

  @Test
  void shouldReportTheRecordedExitOfAContainerThatEndedUnwatched() throws Exception {
    AttemptRequest request = request("ended-unwatched", """
        {"image": "%s", "command": ["sh", "-c", "sleep 1; echo 'gave up' >&2; exit 7"]}
        """.formatted(IMAGE), null);
    String handle;
    try (ContainerBackend first = new ContainerBackend()) {
      handle = first.launch(request, new Recorder()).handle();
    }
    waitFor("container exited while nobody watched", () -> !running(handle));

    try (ContainerBackend second = new ContainerBackend()) {
      assertThat(second.findRunning()).contains(request.id());
      Recorder listener = new Recorder();
      assertThat(second.adopt(request.id(), listener)).isNotNull();
      AttemptOutcome outcome = listener.await(Duration.ofSeconds(5));
      assertThat(outcome.failureKind()).as("outcome %s", outcome).isEqualTo(FailureKind.EXIT_CODE);
      assertThat(outcome.exitCode()).isEqualTo(7);
      assertThat(outcome.reason()).isEqualTo("exited with code 7: gave up");
      assertRemoved(handle);
    }
  }

  @Test
  void shouldAdoptInsteadOfCreatingASecondContainerOnARepeatedLaunch() throws Exception {
    AttemptRequest request = request("repeated", """
        {"image": "%s", "command": ["sh", "-c", "sleep 2; echo once"]}
        """.formatted(IMAGE), null);
    String firstHandle;
    try (ContainerBackend first = new ContainerBackend()) {
      firstHandle = first.launch(request, new Recorder()).handle();
    }
    Recorder listener = new Recorder();
    RunningAttempt again = backend.launch(request, listener);
    assertThat(again.handle()).isEqualTo(firstHandle);
    assertThat(backend.docker().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(ContainerBackend.LABEL_RUN, request.id().runId())).exec()).hasSize(1);
    assertThat(listener.await().succeeded()).isTrue();
  }

  @Test
  void shouldFailFastWhenTheImageIsMissing() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> backend.launch(request("no-image-never", """
        {"image": "weft-test/does-not-exist:1", "pullPolicy": "never", "command": ["true"]}
        """, null), new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.IMAGE_MISSING))
        .hasMessageContaining("weft-test/does-not-exist:1").hasMessageContaining("pullPolicy is never");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

    // No registry is reachable here: the pull must fail (or time out) with a clear reason, never hang.
    long t1 = System.nanoTime();
    assertThatThrownBy(() -> backend.launch(request("no-image-pull", """
        {"image": "weft-test/does-not-exist:1", "command": ["true"]}
        """, null), new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.IMAGE_MISSING))
        .hasMessageContaining("weft-test/does-not-exist:1").hasMessageContaining("pulling it failed");
    assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(40));
  }

  @Test
  void shouldRejectBadSpecsNamingTheField() {
    assertThatThrownBy(() -> backend.launch(request("typo", """
        {"image": "%s", "comand": ["true"]}
        """.formatted(IMAGE), null), new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("container.comand");
    assertThatThrownBy(() -> backend.launch(request("bad-ref", """
        {"image": "Not A//Reference::", "command": ["true"]}
        """, null), new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("not a valid image reference");
    assertThatThrownBy(() -> backend.launch(request("bad-memory", """
        {"image": "%s", "command": ["true"]}
        """.formatted(IMAGE), new Resources(null, "lots", null)), new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("resources.memory");
  }

  @Test
  void shouldFailLaunchWhenTheCommandDoesNotExistAndLeaveNothingBehind() {
    AttemptRequest request = request("no-binary", """
        {"image": "%s", "command": ["/bin/no-such-binary"]}
        """.formatted(IMAGE), null);
    assertThatThrownBy(() -> backend.launch(request, new Recorder()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.LAUNCH_ERROR))
        .hasMessageContaining("no-such-binary");
    assertThat(backend.docker().listContainersCmd().withShowAll(true)
        .withLabelFilter(Map.of(ContainerBackend.LABEL_RUN, request.id().runId())).exec()).isEmpty();
  }

  @Test
  void shouldSayClearlyWhenNoEngineAnswers() {
    assertThatThrownBy(() -> new ContainerBackend(
        ContainerBackend.Settings.defaults().withDockerHost("unix:///tmp/weft-no-docker-here.sock")))
        .isInstanceOf(DockerEngineUnavailableException.class)
        .hasMessageContaining("no Docker engine answers at unix:///tmp/weft-no-docker-here.sock")
        .hasMessageContaining("start dockerd or set DOCKER_HOST");
  }

  // ---- helpers ----

  private static AttemptOutcome run(AttemptRequest request) throws Exception {
    Recorder listener = new Recorder();
    backend.launch(request, listener);
    return listener.await();
  }

  private static int seq;

  private static synchronized AttemptRequest request(String taskId, String containerJson, Resources resources) {
    JsonNode block;
    try {
      block = SpecJson.MAPPER.readTree(containerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("test JSON is broken: " + containerJson, e);
    }
    TaskSpec task = new TaskSpec(taskId, "container", List.of(), null, block, null, null, null, resources, null,
        null, null, null);
    // A run id per request keeps attempts of different tests (and of earlier test JVMs) apart.
    return new AttemptRequest(new AttemptId(RUN_PREFIX + "-" + (++seq), taskId, 1), "container-test", task, null);
  }

  private static boolean running(String containerId) {
    try {
      return Boolean.TRUE.equals(backend.docker().inspectContainerCmd(containerId).exec().getState().getRunning());
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static void assertRemoved(String containerId) {
    assertThatThrownBy(() -> backend.docker().inspectContainerCmd(containerId).exec())
        .as("container %s is removed after its outcome", containerId)
        .isInstanceOf(NotFoundException.class);
  }

  private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + OUTCOME_WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + OUTCOME_WAIT + " waiting for " + what);
      Thread.sleep(50);
    }
  }

  private static Path repoRoot() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("tests/docker/ensure-docker.sh"))) dir = dir.getParent();
    if (dir == null) throw new IllegalStateException("tests/docker/ensure-docker.sh not found above " + Paths.get("").toAbsolutePath());
    return dir;
  }

  /** Records every finished call; the interface promises exactly one. */
  static final class Recorder implements AttemptListener {
    final List<AttemptOutcome> calls = new CopyOnWriteArrayList<>();
    private final CompletableFuture<AttemptOutcome> first = new CompletableFuture<>();

    @Override
    public void trackingUrl(String url) {}

    @Override
    public void finished(AttemptOutcome outcome) {
      calls.add(outcome);
      first.complete(outcome);
    }

    AttemptOutcome await() throws Exception {
      return await(OUTCOME_WAIT);
    }

    AttemptOutcome await(Duration wait) throws Exception {
      return first.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
