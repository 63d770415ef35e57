package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.TaskResult;
import dev.weft.client.WeftClient;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.CoordinatorReplay;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunView;
import dev.weft.devstack.DevStack;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.spec.PipelineSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 5 on a real broker with the process executor: retries, cancel, idempotent requests, replay. */
class FailureSemanticsEndToEndTest {
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  @TempDir
  Path tmp;

  static String flaky(Path counter, String id, int succeedOnAttempt) {
    return """
          - id: %s
            executor: process
            retry: {maxAttempts: 3, backoff: 200ms, jitter: 0}
            process:
              argv: ["sh", "-c", "n=$(cat %s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %s; echo attempt $n >&2; [ $n -ge %d ]"]
        """.formatted(id, counter, counter, succeedOnAttempt);
  }

  @Test
  void shouldRecoverAFlakyTaskByRetryingWithNewAttempts() throws Exception {
    DevStack stack = SharedStack.get();
    Path counter = tmp.resolve("count");
    try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      RunResult r = client.run(PipelineSpecs.parse("pipeline: flaky\ntasks:\n" + flaky(counter, "flaky", 3)
          + "  - {id: after, executor: noop, dependsOn: [flaky]}\n"), Map.of(), RUN_TIMEOUT);
      assertThat(r.status()).isEqualTo("SUCCEEDED");
      TaskResult t = r.tasks().stream().filter(x -> x.id().equals("flaky")).findFirst().orElseThrow();
      assertThat(t.attempts()).isEqualTo(3);
      assertThat(Files.readString(counter).trim()).isEqualTo("3");
      RunView view = stack.coordinator().run(r.runId()).orElseThrow();
      assertThat(view.tasks().get(view.tasks().get(0).id().equals("flaky") ? 0 : 1).failures())
          .hasSize(2).allSatisfy(f -> assertThat(f.exitCode()).isEqualTo(1));
    }
  }

  @Test
  void shouldCancelARunningRunAndLeaveNoProcessBehind() throws Exception {
    DevStack stack = SharedStack.get();
    Path pids = tmp.resolve("pids");
    String yaml = """
        pipeline: cancel-me
        tasks:
          - id: sleeper
            executor: process
            process:
              argv: ["sh", "-c", "sleep 300 & echo $! >> %s; echo $$ >> %s; wait"]
          - {id: after, executor: noop, dependsOn: [sleeper]}
        """.formatted(pids, pids);
    try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      SubmittedRun run = client.submit(PipelineSpecs.parse(yaml), Map.of(), null, null);
      Conditions.await(Duration.ofMinutes(1), "both pids written",
          () -> Files.exists(pids) && Files.readAllLines(pids).size() == 2);
      List<Long> started = Files.readAllLines(pids).stream().map(String::trim).map(Long::parseLong).toList();
      assertThat(started).allSatisfy(pid -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true));
      client.cancel(run.runId(), null, "test cancels");
      RunResult r = client.await(run, RUN_TIMEOUT, RunListener.NONE);
      assertThat(r.status()).isEqualTo("CANCELLED");
      assertThat(r.counts()).isEqualTo(Map.of("CANCELLED", 2));
      for (long pid : started) {
        Conditions.await(Duration.ofSeconds(30), "pid " + pid + " gone",
            () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
      }
    }
  }

  /**
   * A timed-out attempt that cleans up after SIGTERM is still running: its retry starts only once it has stopped, and
   * the run ends only once its last attempt has. Each attempt appends to one file as it starts and as it ends, so two
   * attempts at once would interleave their lines.
   */
  @Test
  void shouldStartATimedOutTasksRetryOnlyOnceItsAttemptStopped() throws Exception {
    DevStack stack = SharedStack.get();
    Path log = tmp.resolve("attempts");
    String yaml = """
        pipeline: slow-cleanup
        tasks:
          - id: stubborn
            executor: process
            timeout: 1s
            retry: {maxAttempts: 2, backoff: 100ms, jitter: 0}
            process:
              argv: ["sh", "-c", "echo start $WEFT_ATTEMPT >> %s; trap 'sleep 2; echo end $WEFT_ATTEMPT >> %s; exit 1' TERM; while true; do sleep 0.1; done"]
        """.formatted(log, log);
    try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      RunResult r = client.run(PipelineSpecs.parse(yaml), Map.of(), RUN_TIMEOUT);
      assertThat(Files.readAllLines(log)).as("attempts one after the other, the run over after the last")
          .containsExactly("start 1", "end 1", "start 2", "end 2");
      assertThat(r.status()).isEqualTo("FAILED");
      TaskResult t = r.tasks().get(0);
      assertThat(t.status()).isEqualTo("TIMED_OUT");
      assertThat(t.attempts()).isEqualTo(2);
      assertThat(t.lastFailure()).contains("timed out after");
    }
  }

  @Test
  void shouldAnswerARequestPublishedTwiceWithOneRun() throws Exception {
    DevStack stack = SharedStack.get();
    Path marker = tmp.resolve("ran");
    String yaml = """
        pipeline: once
        tasks:
          - id: only
            executor: process
            process: {argv: ["sh", "-c", "echo ran >> %s"]}
        """.formatted(marker);
    try (WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      String key = "key-" + System.nanoTime();
      SubmittedRun first = client.submit(PipelineSpecs.parse(yaml), Map.of(), null, key);
      SubmittedRun second = client.submit(PipelineSpecs.parse(yaml), Map.of(), null, key);
      assertThat(second.runId()).isEqualTo(first.runId());
      List<Boolean> existing = new ArrayList<>();
      RunResult r = client.await(second, RUN_TIMEOUT, new RunListener() {
        @Override
        public void accepted(String runId, int taskCount, boolean isExisting) {
          existing.add(isExisting);
        }
      });
      assertThat(r.status()).isEqualTo("SUCCEEDED");
      assertThat(existing).as("one fresh acceptance, one answer with the existing run").containsExactly(false, true);
      assertThat(Files.readAllLines(marker)).hasSize(1);
    }
  }

  @Test
  void shouldReplayIntoEmptyStateRebuildingItExactlyWithoutStartingWorkTwice() throws Exception {
    try (IsolatedWeft weft = new IsolatedWeft("replay", 3)) {
      ExecutorRuntime exec = weft.startExecutor(new ProcessBackend(tmp, tmp.resolve("state")));
      Path log = tmp.resolve("starts.log");
      // Every start of every task appends a line: the log counts executions.
      String mark = "echo $0 >> " + log;
      String ok = """
          pipeline: ok
          tasks:
            - {id: a, executor: process, process: {argv: ["sh", "-c", "%s", "ok-a"]}}
            - {id: b, executor: process, dependsOn: [a], process: {argv: ["sh", "-c", "%s", "ok-b"]}}
          """.formatted(mark, mark);
      String failing = """
          pipeline: failing
          tasks:
            - {id: bad, executor: process, retry: {maxAttempts: 2, backoff: 100ms}, process: {argv: ["sh", "-c", "%s; exit 4", "bad"]}}
            - {id: never, executor: noop, dependsOn: [bad]}
          """.formatted(mark);
      Path counter = tmp.resolve("flaky-count");
      String retried = "pipeline: retried\ntasks:\n" + flaky(counter, "flaky", 2);
      String cancelled = """
          pipeline: cancelled
          tasks:
            - {id: long, executor: process, process: {argv: ["sh", "-c", "%s; exec sleep 300", "long"]}}
          """.formatted(mark);

      List<String> runIds = new ArrayList<>();
      for (String yaml : List.of(ok, failing, retried)) runIds.add(weft.run(yaml, Map.of(), RUN_TIMEOUT).runId());
      SubmittedRun c = weft.submit(cancelled, Map.of());
      Conditions.await(Duration.ofMinutes(1), "long task started",
          () -> Files.exists(log) && Files.readString(log).contains("long"));
      weft.client().cancel(c.runId(), null, "replay test");
      assertThat(weft.await(c, RUN_TIMEOUT).status()).isEqualTo("CANCELLED");
      runIds.add(c.runId());

      Map<String, String> before = new java.util.TreeMap<>();
      for (String id : runIds) before.put(id, json(weft.coordinator().run(id).orElseThrow()));
      long launchedBefore = exec.counters().launched();
      List<String> startsBefore = Files.readAllLines(log);

      String oldApp = weft.prefix + "coordinator";
      weft.stopCoordinator();
      CoordinatorConfig fresh = CoordinatorConfig.defaults(weft.shared.bootstrapServers(), weft.dir.resolve("replayed"))
          .withTopics(weft.topics).withApplicationId(weft.prefix + "replayed").withApiPort(0);
      CoordinatorReplay.Result replay = CoordinatorReplay.replay(fresh, weft.serdes, oldApp, Duration.ofMinutes(3),
          (done, total) -> {});
      try (var replayed = replay.coordinator()) {
        assertThat(replayed.stats().suppressedCommands()).as("the replay held its commands back").isPositive();
        for (String id : runIds) {
          assertThat(json(replayed.run(id).orElseThrow())).as("run " + id + " rebuilt task by task")
              .isEqualTo(before.get(id));
        }
        // The replayed coordinator is live: a new run goes through it, and only that run's task starts.
        try (WeftClient client = new WeftClient(weft.shared.bootstrapServers(), weft.serdes, weft.topics)) {
          RunResult after = client.run(PipelineSpecs.parse(ok), Map.of(), RUN_TIMEOUT);
          assertThat(after.status()).isEqualTo("SUCCEEDED");
        }
        assertThat(exec.counters().launched()).isEqualTo(launchedBefore + 2);
        List<String> startsAfter = Files.readAllLines(log);
        assertThat(startsAfter.subList(0, startsBefore.size())).isEqualTo(startsBefore);
        assertThat(startsAfter.subList(startsBefore.size(), startsAfter.size())).containsExactly("ok-a", "ok-b");
      }
    }
  }

  private static String json(RunView v) throws Exception {
    return QueryApi.JSON.writeValueAsString(v);
  }
}
