package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.avro.CommandKind;
import dev.weft.cli.Weft;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunView;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's scale-out: one 2,000-task run while coordinator instances, each its own JVM, go 1 -> 3 -> 1, shrinking
 * once gracefully (SIGTERM) and once by a crash (SIGKILL), each time taking away the instance that owns the run. Standby
 * replicas are on. The run must succeed with every RUN command committed exactly once per attempt and one attempt per
 * task (its executor never dies here), and {@code weft status} must answer through every live instance, which forwards
 * to the owner. Prints the longest pause in dispatch, from the commands' timestamps.
 */
class CoordinatorScaleOutTest {
  static final int TASKS = 2_000;
  /**
   * Tasks run 16 at a time (the executor's default) for 500 ms each: at most 32 tasks a second, so the run lasts over
   * a minute and outlasts the hand-overs, which wait for JVM starts and a crashed member's 10 s session.
   */
  static final String TASK_SLEEP = "500ms";
  static final int PARTITIONS = 6;
  static final String[] STANDBY = {"--standby-replicas", "1", "--advertised-host", "127.0.0.1"};
  static final ObjectMapper JSON = new ObjectMapper();

  /** 20 waves of 100 chains: task i waits for task i-100, and every 50th also for one of the previous wave. */
  static PipelineSpec run() {
    PipelineBuilder b = PipelineBuilder.pipeline("scale-out");
    for (int i = 0; i < TASKS; i++) {
      PipelineBuilder.Task t = PipelineBuilder.of(id(i), "noop", JSON.createObjectNode().put("sleep", TASK_SLEEP));
      if (i >= 100 && i % 50 == 0) t.dependsOn(id(i - 100), id(i - 63));
      else if (i >= 100) t.dependsOn(id(i - 100));
      b.task(t);
    }
    return b.build();
  }

  static String id(int i) {
    return "t" + i;
  }

  @Test
  void shouldLoseAndRepeatNothingWhileCoordinatorsGoFromOneToThreeToOne() throws Exception {
    try (ProcessWeft weft = new ProcessWeft("scale", PARTITIONS);
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, weft.bootstrapServers()))) {
      Map<String, ServiceProcess> live = new LinkedHashMap<>();
      live.put("c1", weft.startCoordinator("c1", STANDBY));
      weft.startExecutor("noop", "n1");
      SubmittedRun run = weft.submit(run());
      int partition = Utils.toPositive(Utils.murmur2(run.runId().getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
      TopicPartition runPartition = new TopicPartition(weft.topics().requests(), partition);
      Map<String, Instant> events = new LinkedHashMap<>();
      events.put("the run's start with one instance", Instant.now());

      awaitProgress(weft, live, run, 200);
      events.put("scale out to 3", Instant.now());
      List<ServiceProcess> joining = new ArrayList<>();
      for (String id : List.of("c2", "c3")) joining.add(weft.launchCoordinator(id, STANDBY));
      for (ServiceProcess p : joining) live.put(p.name().substring("coordinator-".length()), weft.awaitCoordinator(p));
      awaitMembers(admin, weft.applicationId(), 3);
      awaitAnswersThroughEvery(live, weft, run);
      int done = awaitProgress(weft, live, run, 300);

      String owner = ownerOf(admin, weft.applicationId(), runPartition);
      events.put("graceful stop of the owner " + owner, Instant.now());
      Duration stop = live.remove(owner).terminate(Duration.ofSeconds(10));
      awaitMembers(admin, weft.applicationId(), 2);
      awaitAnswersThroughEvery(live, weft, run);
      done = awaitProgress(weft, live, run, done + 100);

      owner = ownerOf(admin, weft.applicationId(), runPartition);
      events.put("SIGKILL of the owner " + owner, Instant.now());
      live.remove(owner).kill();
      awaitAnswersThroughEvery(live, weft, run);
      int atLastHandOver = awaitProgress(weft, live, run, done + 100);
      assertThat(atLastHandOver).as("tasks succeeded once every hand-over was done; the run must outlast them")
          .isLessThan(TASKS);

      RunResult result = weft.await(run, Duration.ofMinutes(5));
      assertThat(result.status()).isEqualTo("SUCCEEDED");
      assertThat(result.counts()).containsEntry("SUCCEEDED", TASKS);

      List<CommandLog.Sent> sent = CommandLog.runs(weft.commands(), run.runId());
      Map<String, Long> perAttempt = sent.stream().collect(Collectors.groupingBy(CommandLog.Sent::attemptKey,
          Collectors.counting()));
      assertThat(perAttempt).as("RUN commands per attempt").hasSize(TASKS).allSatisfy((k, n) -> assertThat(n).as(k)
          .isEqualTo(1L));
      assertThat(sent).as("every task's only attempt is its first").allSatisfy(s -> assertThat(s.attempt()).isEqualTo(1));
      assertThat(sent).extracting(CommandLog.Sent::kind).containsOnly(CommandKind.RUN);

      long[] pause = CommandLog.longestPause(sent);
      System.out.printf("CoordinatorScaleOutTest: %d tasks, %d RUN commands each once, run on partition %d; %d tasks"
              + " had succeeded when the last hand-over was done; SIGTERM stop of the owner took %d ms; longest pause"
              + " in dispatch %d ms, from %s%n", TASKS, sent.size(), partition, atLastHandOver, stop.toMillis(),
          pause[0], Instant.ofEpochMilli(pause[1]));
      events.put("the run ended", Instant.ofEpochMilli(sent.get(sent.size() - 1).timestampMs() + 1));
      List<Map.Entry<String, Instant>> phases = new ArrayList<>(events.entrySet());
      for (int i = 0; i + 1 < phases.size(); i++) {
        long[] p = CommandLog.longestPause(window(sent, phases.get(i).getValue(), phases.get(i + 1).getValue()));
        System.out.printf("CoordinatorScaleOutTest:   from %s (%s) to %s: longest pause in dispatch %d ms, from %s%n",
            phases.get(i).getKey(), phases.get(i).getValue(), phases.get(i + 1).getKey(), p[0],
            Instant.ofEpochMilli(p[1]));
      }
    }
  }

  /** The commands between two moments, with the last one before {@code from}, so a pause across it counts. */
  static List<CommandLog.Sent> window(List<CommandLog.Sent> sent, Instant from, Instant to) {
    List<CommandLog.Sent> out = new ArrayList<>();
    for (CommandLog.Sent s : sent) {
      if (s.timestampMs() < from.toEpochMilli()) {
        out.clear();
        out.add(s);
      } else if (s.timestampMs() <= to.toEpochMilli()) {
        out.add(s);
      }
    }
    return out;
  }

  /** Waits until at least {@code n} of the run's tasks have succeeded (asked of any live instance). */
  static int awaitProgress(ProcessWeft weft, Map<String, ServiceProcess> live, SubmittedRun run, int n)
      throws Exception {
    int[] seen = {0};
    // Once a second: each answer is the whole run, 2,000 tasks, which the coordinator builds on the cores it shares.
    Conditions.await(Duration.ofMinutes(2), Duration.ofSeconds(1), n + " tasks succeeded", () -> {
      for (ServiceProcess p : live.values()) {
        Optional<RunView> v = view(weft, p, run.runId());
        if (v.isPresent()) {
          seen[0] = v.get().counts().getOrDefault("SUCCEEDED", 0);
          return seen[0] >= n;
        }
      }
      return false;
    });
    return seen[0];
  }

  static Optional<RunView> view(ProcessWeft weft, ServiceProcess p, String runId) {
    try {
      var r = weft.getRun(p, runId);
      return r.statusCode() == 200 ? Optional.of(QueryApi.JSON.readValue(r.body(), RunView.class)) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** {@code weft status RUN --json --api <instance>} answers the run through each live instance (forwarding). */
  static void awaitAnswersThroughEvery(Map<String, ServiceProcess> live, ProcessWeft weft, SubmittedRun run)
      throws Exception {
    for (ServiceProcess p : live.values()) {
      Conditions.await(Duration.ofSeconds(60), "weft status through " + p, () -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Weft.run(List.of("status", run.runId(), "--json", "--api", "http://127.0.0.1:" + weft.apiPort(p)),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        return code == 0 && out.toString(StandardCharsets.UTF_8).contains(run.runId());
      });
    }
  }

  static void awaitMembers(Admin admin, String group, int n) throws Exception {
    Conditions.await(Duration.ofSeconds(60), n + " stable members in " + group, () -> {
      ConsumerGroupDescription d = describe(admin, group);
      return d.groupState() == GroupState.STABLE && d.members().size() == n;
    });
  }

  /** The coordinator instance whose stream thread holds {@code p} (Streams names its member {@code <instance>-<thread>}). */
  static String ownerOf(Admin admin, String group, TopicPartition p) throws Exception {
    String[] owner = {null};
    Conditions.await(Duration.ofSeconds(60), "an owner of " + p, () -> {
      ConsumerGroupDescription d = describe(admin, group);
      if (d.groupState() != GroupState.STABLE) return false;
      Map<TopicPartition, String> byPartition = new LinkedHashMap<>();
      for (MemberDescription m : d.members()) {
        for (TopicPartition tp : m.assignment().topicPartitions()) byPartition.put(tp, m.groupInstanceId().orElse("?"));
      }
      String member = byPartition.get(p);
      if (member == null) return false;
      owner[0] = member.substring(0, member.lastIndexOf('-'));
      return true;
    });
    return owner[0];
  }

  static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
    return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
  }
}
