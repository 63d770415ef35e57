package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's promise for services run as their own processes: a coordinator or an executor killed with SIGKILL and
 * started again (same instance id, same state directory) has a 1-task run dispatched and run within 10 s of its
 * restart, and SIGTERM stops each service within 10 s. Measured from the moment the new JVM is spawned, so JVM start,
 * group join and state restore all count. Before static membership, the restarted member waited for the dead one's
 * session to expire (45 s).
 */
class ServiceRestartTest {
  static final Duration PROMISE = Duration.ofSeconds(10);
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);

  static PipelineSpec oneTask(String name) {
    return PipelineBuilder.pipeline(name).task(PipelineBuilder.noop("t")).build();
  }

  @Test
  void shouldRunWithinTenSecondsOfRestartingACrashedServiceAndStopWithinTenSeconds() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("restart", 2)) {
      ServiceProcess coordinator = weft.startCoordinator("c1");
      ServiceProcess noop = weft.startExecutor("noop", "n1");
      assertThat(weft.await(weft.submit(oneTask("warm-up")), RUN_TIMEOUT).status()).isEqualTo("SUCCEEDED");

      coordinator.kill();
      coordinator = weft.restartNoWait(coordinator);
      Duration coordinatorCrash = dispatchDelay(weft, coordinator.startedAt(), "after-coordinator-crash");

      noop.kill();
      noop = weft.restartNoWait(noop);
      Duration executorCrash = runDelay(weft, noop.startedAt(), "after-executor-crash");

      Duration coordinatorStop = coordinator.terminate(PROMISE);
      coordinator = weft.restartNoWait(coordinator);
      Duration coordinatorCleanRestart = dispatchDelay(weft, coordinator.startedAt(), "after-coordinator-stop");

      Duration executorStop = noop.terminate(PROMISE);
      Duration lastCoordinatorStop = coordinator.terminate(PROMISE);

      System.out.printf("ServiceRestartTest: after SIGKILL and restart, coordinator dispatched in %d ms and executor"
              + " ran in %d ms; after SIGTERM and restart, coordinator dispatched in %d ms; SIGTERM stop: coordinator"
              + " %d and %d ms, executor %d ms (all from the new JVM's spawn or the signal)%n",
          coordinatorCrash.toMillis(), executorCrash.toMillis(), coordinatorCleanRestart.toMillis(),
          coordinatorStop.toMillis(), lastCoordinatorStop.toMillis(), executorStop.toMillis());
      assertThat(List.of(coordinatorCrash, executorCrash, coordinatorCleanRestart))
          .allSatisfy(d -> assertThat(d).isLessThanOrEqualTo(PROMISE));
    }
  }

  /** Submits a 1-task run at once and returns how long after {@code restartedAt} its RUN command was committed. */
  static Duration dispatchDelay(ProcessWeft weft, Instant restartedAt, String name) throws Exception {
    SubmittedRun run = weft.submit(oneTask(name));
    RunResult r = weft.await(run, RUN_TIMEOUT);
    assertThat(r.status()).as(name).isEqualTo("SUCCEEDED");
    List<CommandLog.Sent> sent = CommandLog.runs(weft.commands(), run.runId());
    assertThat(sent).as("RUN commands of " + name).hasSize(1);
    return Duration.ofMillis(sent.get(0).timestampMs() - restartedAt.toEpochMilli());
  }

  /** Submits a 1-task run at once and returns how long after {@code restartedAt} it had run to SUCCEEDED. */
  static Duration runDelay(ProcessWeft weft, Instant restartedAt, String name) throws Exception {
    RunResult r = weft.await(weft.submit(oneTask(name)), RUN_TIMEOUT);
    Instant finished = Instant.now();
    assertThat(r.status()).as(name).isEqualTo("SUCCEEDED");
    return Duration.between(restartedAt, finished);
  }
}
