package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Nothing lost, nothing run twice, under crashes: two coordinators, two process executors and a noop executor run as
 * separate OS processes on one broker, while ten runs of 201 tasks each (ten chains and a fan-in over them) are in
 * flight and the JVM of a random one of them is killed with SIGKILL (the JVM alone, as the OOM killer does) and
 * restarted, 20 times.
 *
 * <p>Every process task appends a {@code start} line (time, attempt id, and the pids of its ancestors, which name the
 * executor JVM that launched it) and an {@code end} line to one file. From that file and the commands on the log:
 * every run SUCCEEDED; no attempt id started twice; no RUN command was published twice; no two attempts of one task
 * overlapped in time (an attempt with no end line ended at the latest when its executor's JVM was killed, since its
 * work dies with it); and a task ran more than once only because the executor running it died, while the attempt
 * ran or after it ended but before its outcome was committed (the retry is then at-least-once, as for any
 * orchestrator: a task's own output must be idempotent, which {@code WEFT_ATTEMPT_ID} helps with).
 */
class ChaosEndToEndTest {
  private static final int RUNS = 10;
  private static final int CHAINS = 10;
  private static final int STEPS = 20;
  private static final int KILLS = 20;
  private static final String SINK = "all-chains";
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

  /**
   * One JVM a kill took down: which service, its pid, its children then (its fork server), and when the kill
   * returned. A task that the fork server started while the kernel tore the JVM down can find the server already
   * orphaned when it reads its ancestors (a dying JVM stays its children's parent until late in its exit); the server
   * still names the JVM.
   */
  private record Killed(String service, long pid, Set<Long> children, long atNanosEpoch) {
    boolean explains(Line attempt) {
      if (attempt.ancestors().contains(pid)) return atNanosEpoch > attempt.atNanos();
      return attempt.ancestors().stream().anyMatch(children::contains)
          && Math.abs(atNanosEpoch - attempt.atNanos()) < TimeUnit.SECONDS.toNanos(10);
    }
  }

  /** One line of the task log. */
  private record Line(long atNanos, String kind, String attemptId, String task, List<Long> ancestors) {}

  @Test
  void shouldFinishEveryRunWithNoAttemptStartedTwiceAndNoOverlapWhileServicesAreKilled() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("chaos", 4)) {
      Path log = weft.dir().resolve("attempts.log");
      Files.writeString(log, "");
      List<ServiceProcess> services = new ArrayList<>(List.of(
          weft.startCoordinator("c1"), weft.startCoordinator("c2"),
          weft.startExecutor("process", "p1"), weft.startExecutor("process", "p2"),
          weft.startExecutor("noop", "n1")));
      Map<Long, String> pidToService = new HashMap<>();
      services.forEach(s -> pidToService.put(s.pid(), s.name()));

      PipelineSpec spec = PipelineSpecs.parse(pipeline(log));
      List<SubmittedRun> runs = new ArrayList<>();
      for (int i = 0; i < RUNS / 2; i++) runs.add(weft.submit(spec));

      Random random = new Random(42);
      List<Killed> killed = new ArrayList<>();
      Map<String, Integer> killsByService = new TreeMap<>();
      long t0 = System.nanoTime();
      for (int k = 0; k < KILLS; k++) {
        if (k == KILLS / 2) for (int i = 0; i < RUNS / 2; i++) runs.add(weft.submit(spec));
        Thread.sleep(1_000 + random.nextInt(2_000));
        int victim = random.nextInt(services.size());
        ServiceProcess s = services.get(victim);
        Set<Long> children = ProcessHandle.of(s.pid()).stream().flatMap(ProcessHandle::children)
            .map(ProcessHandle::pid).collect(Collectors.toSet());
        s.kill();
        killed.add(new Killed(s.name(), s.pid(), children, epochNanos()));
        killsByService.merge(s.name(), 1, Integer::sum);
        ServiceProcess again = weft.restart(s);
        pidToService.put(again.pid(), again.name());
        services.set(victim, again);
      }

      long killing = (System.nanoTime() - t0) / 1_000_000;
      List<RunResult> results = new ArrayList<>();
      for (SubmittedRun r : runs) results.add(weft.await(r, RUN_TIMEOUT));
      assertThat(results).as("every run").allSatisfy(r -> assertThat(r.status()).as(r.runId()).isEqualTo("SUCCEEDED"));

      // Every RUN command once: no coordinator crash published a decision twice.
      Map<String, Long> runCommands = weft.commands().stream().filter(c -> c.kind() == CommandKind.RUN)
          .collect(Collectors.groupingBy(CommandLog.Sent::attemptKey, Collectors.counting()));
      assertThat(runCommands).as("RUN commands per attempt").allSatisfy((a, n) -> assertThat(n).as(a).isEqualTo(1L));

      List<Line> lines = read(log);
      Map<String, List<Line>> starts = lines.stream().filter(l -> l.kind().equals("start"))
          .collect(Collectors.groupingBy(Line::attemptId));
      Map<String, Line> ends = lines.stream().filter(l -> !l.kind().equals("start"))
          .collect(Collectors.toMap(Line::attemptId, l -> l, (a, b) -> a));
      assertThat(starts).as("attempts started more than once")
          .allSatisfy((a, s) -> assertThat(s).as(a).hasSize(1));

      Map<String, List<Line>> attemptsByTask = starts.values().stream().map(l -> l.get(0))
          .collect(Collectors.groupingBy(Line::task));
      int retried = 0;
      int diedRunning = 0;
      int diedUnreported = 0;
      for (Map.Entry<String, List<Line>> e : attemptsByTask.entrySet()) {
        List<Line> attempts = new ArrayList<>(e.getValue());
        attempts.sort((a, b) -> Integer.compare(attemptNumber(a.attemptId()), attemptNumber(b.attemptId())));
        for (int i = 0; i + 1 < attempts.size(); i++) {
          retried++;
          Line earlier = attempts.get(i);
          Line later = attempts.get(i + 1);
          // The executor JVM that launched it (one of its ancestors) must have died after it started: while it ran,
          // or after it ended but before its outcome was committed, so the coordinator presumed it lost.
          Killed death = killed.stream().filter(x -> x.explains(earlier)).findFirst().orElse(null);
          assertThat(death).as("%s ran again as %s, so the executor JVM that ran it (one of %s) must have been "
              + "killed after it started; kills: %s", earlier.attemptId(), later.attemptId(), earlier.ancestors(),
              killed).isNotNull();
          Line end = ends.get(earlier.attemptId());
          if (end == null) {
            diedRunning++;
          } else {
            diedUnreported++;
            assertThat(end.kind()).as("%s was not stopped by its executor (lease, cancel) but ended on its own",
                earlier.attemptId()).isEqualTo("end");
          }
          // Its work died with its JVM, or ended before: either way before the next attempt started.
          long over = end != null ? end.atNanos() : death.atNanosEpoch();
          assertThat(later.atNanos()).as("%s started after %s was over: no overlap", later.attemptId(),
              earlier.attemptId()).isGreaterThan(over);
        }
      }
      long processTasks = (long) RUNS * (CHAINS * (STEPS / 2) + 1);
      assertThat(attemptsByTask).as("every process task ran").hasSize((int) processTasks);

      // Each run's fan-in started only after the last process task of every chain had ended.
      for (RunResult r : results) {
        Line sink = attemptsByTask.get(r.runId() + "/" + SINK).stream().min(Comparator.comparingLong(Line::atNanos))
            .orElseThrow();
        long lastChainEnd = ends.values().stream()
            .filter(l -> l.task().startsWith(r.runId() + "/c") && l.task().endsWith("-" + (STEPS - 2)))
            .mapToLong(Line::atNanos).max().orElseThrow();
        assertThat(sink.atNanos()).as("%s started after every chain's last process task ended", sink.attemptId())
            .isGreaterThan(lastChainEnd);
      }

      System.out.printf("chaos: %d runs SUCCEEDED, %d tasks (%d process), %d process attempts started, %d retried "
              + "because their executor died (%d while running, %d after ending but before reporting), %d RUN commands "
          + "each published once; kills: %s in %d ms%n",
          results.size(), RUNS * (CHAINS * STEPS + 1), processTasks, starts.size(), retried, diedRunning, diedUnreported,
          runCommands.size(), killsByService, killing);
    }
  }

  /**
   * {@code CHAINS} independent chains of {@code STEPS} tasks, process and noop in turn. A process task logs its start
   * (with its ancestors' pids), sleeps a little, and logs its end; a SIGTERM (cancel, lease) logs an end too.
   */
  private static String pipeline(Path log) {
    // The start time is taken before the ancestors are read: an ancestor still there when they are read was alive
    // (not yet exited: a dying process's children are handed to init when it exits) after the start time. Taken
    // after, a task its executor started as it was being killed could stamp a time past the kill's record.
    String script = "t=$(date +%s%N); p=$$; chain=''; while [ \"$p\" -gt 1 ]; do chain=\"$chain,$p\"; "
        + "read -r _ _ _ p _ < /proc/$p/stat; done; "
        + "echo \"$t start $WEFT_ATTEMPT_ID $chain\" >> " + log + "; "
        + "trap 'echo \"$(date +%s%N) term $WEFT_ATTEMPT_ID\" >> " + log + "; exit 143' TERM; "
        + "sleep 0.3 & wait $!; "
        + "echo \"$(date +%s%N) end $WEFT_ATTEMPT_ID\" >> " + log;
    StringBuilder y = new StringBuilder("pipeline: chaos\ndefaults: {heartbeatTimeout: 20s, retry: {maxAttempts: 5, "
        + "backoff: 500ms}}\ntasks:\n");
    for (int c = 0; c < CHAINS; c++) {
      for (int s = 0; s < STEPS; s++) {
        String id = "c" + c + "-" + s;
        String deps = s == 0 ? "" : ", dependsOn: [c" + c + "-" + (s - 1) + "]";
        if (s % 2 == 0) {
          y.append("  - {id: ").append(id).append(", executor: process, process: {argv: [sh, -c, ")
              .append(json(script)).append("]}").append(deps).append("}\n");
        } else {
          y.append("  - {id: ").append(id).append(", executor: noop").append(deps).append("}\n");
        }
      }
    }
    // A fan-in over every chain: its count of dependencies met (the dependencies-met store) is built while services
    // are killed, and must neither lose a dependency (the run would hang) nor count one twice (it would start early).
    y.append("  - {id: ").append(SINK).append(", executor: process, process: {argv: [sh, -c, ").append(json(script))
        .append("]}, dependsOn: [").append(IntStream.range(0, CHAINS).mapToObj(c -> "c" + c + "-" + (STEPS - 1))
            .collect(Collectors.joining(", "))).append("]}\n");
    return y.toString();
  }

  private static String json(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static List<Line> read(Path log) throws Exception {
    List<Line> out = new ArrayList<>();
    for (String raw : Files.readAllLines(log)) {
      String[] f = raw.trim().split(" ");
      if (f.length < 3) continue;
      String attemptId = f[2];
      String task = attemptId.substring(0, attemptId.lastIndexOf('#'));
      List<Long> ancestors = new ArrayList<>();
      if (f.length > 3) {
        for (String pid : f[3].split(",")) if (!pid.isEmpty()) ancestors.add(Long.parseLong(pid));
      }
      out.add(new Line(Long.parseLong(f[0]), f[1], attemptId, task, ancestors));
    }
    return out;
  }

  private static int attemptNumber(String attemptId) {
    return Integer.parseInt(attemptId.substring(attemptId.lastIndexOf('#') + 1));
  }

  private static long epochNanos() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
