package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's promise for {@code weft dev}, run as its own JVM on one data directory: after SIGKILL and a restart, a
 * 1-task run is dispatched within 10 s of the stack saying it runs (it was 39 s: the dead members' sessions); SIGTERM
 * stops the whole stack within 10 s (it was 33 s), and the start after that dispatches within 10 s too (it was 45 s).
 */
class DevStackRestartTest {
  static final Duration PROMISE = Duration.ofSeconds(10);

  @Test
  void shouldDispatchWithinTenSecondsOfARestartAndStopWithinTenSeconds() throws Exception {
    // Under target, not a temporary directory: the stack's logs (dev.log, dev/kafka/broker.log, dev/registry) stay
    // for a failure's diagnosis.
    Path tmp = Files.createDirectories(Path.of("target", "dev-restart-" + ProcessHandle.current().pid()))
        .toAbsolutePath();
    List<String> args = List.of("dev", "--data-dir", tmp.resolve("dev").toString(), "--port", "0",
        "--registry-port", "0", "--api-port", "0");
    ServiceProcess dev = ServiceProcess.start("weft-dev", args, tmp.resolve("dev.log"));
    try {
      Duration first = dispatchAfterReady(dev, "first");

      dev.kill();
      dev = dev.restart();
      Duration afterCrash = dispatchAfterReady(dev, "after-crash");

      Duration stop = dev.terminate(Duration.ofSeconds(30));
      dev = dev.restart();
      Duration afterStop = dispatchAfterReady(dev, "after-stop");
      Duration lastStop = dev.terminate(Duration.ofSeconds(30));

      System.out.printf("DevStackRestartTest: 1-task run dispatched %d ms after the stack ran (first start), %d ms"
              + " after a restart from SIGKILL, %d ms after a restart from SIGTERM; SIGTERM stopped it in %d and %d ms%n",
          first.toMillis(), afterCrash.toMillis(), afterStop.toMillis(), stop.toMillis(), lastStop.toMillis());
      assertThat(afterCrash).as("dispatch after a restart from SIGKILL").isLessThanOrEqualTo(PROMISE);
      assertThat(afterStop).as("dispatch after a restart from SIGTERM").isLessThanOrEqualTo(PROMISE);
      assertThat(stop).as("SIGTERM stop").isLessThanOrEqualTo(PROMISE);
      assertThat(lastStop).as("SIGTERM stop").isLessThanOrEqualTo(PROMISE);
    } finally {
      dev.stopQuietly();
    }
  }

  /**
   * Waits until {@code weft dev} says it runs, then submits a 1-task run and returns how long after that moment its
   * RUN command was committed.
   */
  static Duration dispatchAfterReady(ServiceProcess dev, String name) throws Exception {
    Infrastructure stack = Infrastructure.of(dev);
    Instant ready = Instant.now();
    String bootstrap = stack.bootstrapServers();
    String registry = stack.registryUrl();
    CommandLog.stampOnAppend(bootstrap, Topics.DEFAULT);
    WeftSerdes serdes = new WeftSerdes(registry);
    try (WeftClient client = new WeftClient(bootstrap, serdes, Topics.DEFAULT)) {
      SubmittedRun run = client.submit(ServiceRestartTest.oneTask(name), java.util.Map.of(), null, null);
      RunResult r = client.await(run, Duration.ofMinutes(2), RunListener.NONE);
      assertThat(r.status()).as(name).isEqualTo("SUCCEEDED");
      List<CommandLog.Sent> sent = CommandLog.runs(CommandLog.read(bootstrap, Topics.DEFAULT, serdes), run.runId());
      assertThat(sent).as("RUN commands of " + name).hasSize(1);
      return Duration.ofMillis(sent.get(0).timestampMs() - ready.toEpochMilli());
    }
  }
}
