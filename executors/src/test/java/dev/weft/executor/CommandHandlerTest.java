package dev.weft.executor;

import static dev.weft.avro.TaskEventKind.CANCELLED;
import static dev.weft.avro.TaskEventKind.FAILED;
import static dev.weft.avro.TaskEventKind.SKIPPED;
import static dev.weft.avro.TaskEventKind.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.serde.SchemaRegistryException;
import dev.weft.spec.TaskSpec;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.DeadLetterReason;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

/**
 * The command handler on a real in-memory attempt table, without a broker: given the table and one poll's records,
 * when the handler decides, then the plan says what to send, launch, stop, commit and read again.
 */
class CommandHandlerTest {
  private static final String TOPIC = "commands.process";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  private static final long NOW = 1_000_000;
  private static final TaskSpec HELLO = Specs.process("hello", List.of("echo", "hello"), Map.of(), null);

  /** Record values the fake deserializer decodes: "cmd-N" is commands.get("cmd-N"). */
  private final Map<String, TaskCommand> commands = new HashMap<>();
  private boolean registryDown;
  private final Map<String, Boolean> outputs = new HashMap<>();
  private RuntimeException outputsThrow;
  /** What the output checker throws, as its message; null: it answers. */
  private String outputsIoError;
  private final RunningAttempts attempts = new RunningAttempts();
  private final Signals signals = new Signals("test-executor", "process");
  private final List<ConsumerRecord<byte[], byte[]>> poll = new ArrayList<>();
  private int maxConcurrent = 16;

  @Test
  void shouldStartEveryRunOfAPollInOnePlanWithOneLaunchEach() {
    for (int i = 0; i < 5; i++) run(i % 2 == 0 ? P0 : P1, attempt("r1", "t" + i, 1), HELLO);

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(STARTED, STARTED, STARTED, STARTED, STARTED);
    assertThat(events(plan)).extracting(TaskEvent::getTaskId).containsExactly("t0", "t1", "t2", "t3", "t4");
    assertThat(events(plan)).allSatisfy(e -> {
      assertThat(e.getAtMs()).isEqualTo(NOW);
      assertThat(e.getSource()).isEqualTo("exec-a");
    });
    assertThat(plan.launches()).extracting(l -> l.id().taskId()).containsExactly("t0", "t1", "t2", "t3", "t4");
    assertThat(plan.launches()).allSatisfy(l -> assertThat(l.startedAtMs()).isEqualTo(NOW));
    assertThat(plan.commitUpTo()).containsEntry(P0, 3L).containsEntry(P1, 2L);
    assertThat(plan.firstOffsets()).containsEntry(P0, 0L).containsEntry(P1, 0L);
    assertThat(plan.readAgainFrom()).isEmpty();
    assertThat(plan.seen()).hasSize(5);
    assertThat(plan.tally().commands()).isEqualTo(5);
    assertThat(attempts.size()).as("the handler writes nothing").isZero();
  }

  @Test
  void shouldTakeHeartbeatSettingsAndTimeoutFromTheRun() {
    send(P0, command(CommandKind.RUN, attempt("r1", "a", 1)).setTaskSpecJson(Specs.json(HELLO)).setTimeoutMs(60_000)
        .setHeartbeatIntervalMs(2_000).setHeartbeatTimeoutMs(30_000).build());
    send(P0, command(CommandKind.RUN, attempt("r1", "b", 1)).setTaskSpecJson(Specs.json(HELLO)).build());

    List<CommandPlan.Launch> launches = handle().launches();

    assertThat(launches.get(0).heartbeatMs()).isEqualTo(2_000);
    assertThat(launches.get(0).heartbeatTimeoutMs()).isEqualTo(30_000);
    assertThat(launches.get(0).request().timeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(launches.get(0).request().pipeline()).isEqualTo("test");
    assertThat(launches.get(1).heartbeatMs()).as("default interval").isEqualTo(CommandHandler.DEFAULT_HEARTBEAT_MS);
    assertThat(launches.get(1).heartbeatTimeoutMs()).as("4 intervals, the safe assumption").isEqualTo(20_000);
    assertThat(launches.get(1).request().timeout()).isNull();
  }

  @Test
  void shouldIgnoreARunForAnAttemptAlreadySeenByThisInstanceOrEarlierInThePoll() {
    AttemptId old = attempt("r1", "old", 1);
    attempts.rememberSeen(List.of(old));
    run(P0, old, HELLO);
    run(P0, attempt("r1", "new", 1), HELLO);
    run(P0, attempt("r1", "new", 1), HELLO);

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(STARTED);
    assertThat(plan.launches()).extracting(l -> l.id().taskId()).containsExactly("new");
    assertThat(plan.tally().duplicates()).isEqualTo(2);
    assertThat(plan.tally().commands()).isEqualTo(3);
    assertThat(plan.commitUpTo()).containsEntry(P0, 3L);
  }

  @Test
  void shouldStopARunningAttemptOnceOnCancel() {
    AttemptId id = attempt("r1", "t", 1);
    attempts.put(running(id));
    send(P0, command(CommandKind.CANCEL, id).setReason("user asked").build());
    send(P0, command(CommandKind.CANCEL, id).setReason("again").build());

    CommandPlan plan = handle();

    assertThat(plan.cancels()).containsExactly(new CommandPlan.Stop(id, "user asked"));
    assertThat(plan.records()).as("its outcome reports the cancel, once it stopped").isEmpty();
    assertThat(plan.unwatchedStops()).isEmpty();
    assertThat(plan.tally().cancels()).isEqualTo(1);
    assertThat(plan.tally().commands()).isEqualTo(2);
    assertThat(attempts.get(id).cancelReason).as("the handler writes nothing").isNull();
  }

  @Test
  void shouldNotStopAgainAnAttemptThatIsAlreadyStopping() {
    AttemptId id = attempt("r1", "t", 1);
    Attempt a = running(id);
    a.timedOut = true;
    attempts.put(a);
    send(P0, command(CommandKind.CANCEL, id).build());

    CommandPlan plan = handle();

    assertThat(plan.cancels()).isEmpty();
    assertThat(plan.unwatchedStops()).isEmpty();
    assertThat(plan.tally().cancels()).isZero();
    assertThat(plan.tally().unknownCancels()).isZero();
  }

  @Test
  void shouldAskTheBackendToStopTheWorkOfACancelledAttemptThatDoesNotRunHere() {
    AttemptId id = attempt("r1", "elsewhere", 2);
    send(P0, command(CommandKind.CANCEL, id).build());

    CommandPlan plan = handle();

    assertThat(plan.unwatchedStops()).containsExactly(new CommandPlan.Stop(id, "cancelled"));
    assertThat(plan.cancels()).isEmpty();
    assertThat(plan.records()).isEmpty();
    assertThat(plan.tally().unknownCancels()).isEqualTo(1);
    assertThat(plan.commitUpTo()).containsEntry(P0, 1L);
  }

  @Test
  void shouldReportCancelledAfterStartedAndNeverLaunchWhenRunAndCancelShareAPoll() {
    AttemptId id = attempt("r1", "t", 1);
    run(P0, id, HELLO);
    send(P0, command(CommandKind.CANCEL, id).setReason("run cancelled").build());

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(STARTED, CANCELLED);
    assertThat(events(plan).get(1).getFailureKind()).isEqualTo(FailureKind.CANCELLED);
    assertThat(events(plan).get(1).getReason()).isEqualTo("run cancelled");
    assertThat(plan.launches()).isEmpty();
    assertThat(plan.tally().cancels()).isEqualTo(1);
  }

  @Test
  void shouldDeadLetterARecordThatDoesNotDecodeAndHandleTheNextOne() {
    poll.add(record(P0, "key", "garbage"));
    run(P0, attempt("r1", "t", 1), HELLO);

    CommandPlan plan = handle();

    Outgoing dead = plan.records().get(0);
    assertThat(dead.isEvent()).isFalse();
    assertThat(dead.topic()).isEqualTo("weft.dead-letter");
    assertThat(dead.category()).isEqualTo(DeadLetterReason.UNDECODABLE);
    assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("garbage");
    assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.REASON)).startsWith("not a TaskCommand");
    assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
    assertThat(DeadLetterHeaders.text(dead.headers(), DeadLetterHeaders.REPORTER)).isEqualTo("executor/process/exec-a");
    assertThat(plan.records().get(1).event().getKind()).isEqualTo(STARTED);
    assertThat(plan.launches()).hasSize(1);
    assertThat(plan.commitUpTo()).containsEntry(P0, 2L);
    assertThat(plan.tally().commands()).isEqualTo(2);
  }

  @Test
  void shouldDeadLetterAMisKeyedCommandWithoutActingOnIt() {
    TaskCommand c = command(CommandKind.RUN, attempt("r1", "t", 1)).setTaskSpecJson(Specs.json(HELLO)).build();
    commands.put("cmd-x", c);
    poll.add(record(P0, "r1", "cmd-x"));

    CommandPlan plan = handle();

    assertThat(plan.records()).singleElement().satisfies(o -> assertThat(o.category()).isEqualTo(DeadLetterReason.MIS_KEYED));
    assertThat(plan.launches()).isEmpty();
    assertThat(plan.seen()).isEmpty();
  }

  @Test
  void shouldDeadLetterAnUnknownCommandKind() {
    send(P0, command(CommandKind.UNKNOWN, attempt("r1", "t", 1)).build());

    CommandPlan plan = handle();

    assertThat(plan.records()).singleElement()
        .satisfies(o -> assertThat(o.category()).isEqualTo(DeadLetterReason.INVALID_COMMAND));
  }

  @Test
  void shouldDeadLetterARecordTheHandlerFailsOnAndGoOn() {
    run(P0, attempt("r1", "boom", 1), Specs.processWithOutput("boom", List.of("true"), "/data/boom.csv"));
    run(P0, attempt("r1", "fine", 1), HELLO);
    outputsThrow = new IllegalStateException("a bug");

    CommandPlan plan = handle();

    assertThat(plan.records().get(0).category()).isEqualTo(DeadLetterReason.INTERNAL_ERROR);
    assertThat(DeadLetterHeaders.text(plan.records().get(0).headers(), DeadLetterHeaders.REASON)).contains("a bug");
    assertThat(plan.launches()).extracting(l -> l.id().taskId()).containsExactly("fine");
    assertThat(plan.commitUpTo()).containsEntry(P0, 2L);
  }

  @Test
  void shouldFailARunThatCanNeverRunAsInvalidSpecWithoutLaunching() {
    send(P0, command(CommandKind.RUN, attempt("r1", "nospec", 1)).build());
    send(P0, command(CommandKind.RUN, attempt("r1", "garbled", 1)).setTaskSpecJson("{not json").build());
    run(P0, attempt("r1", "ftp", 1), Specs.processWithOutput("ftp", List.of("true"), "ftp://host/out.csv"));

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(FAILED, FAILED, FAILED);
    assertThat(events(plan)).allSatisfy(e -> assertThat(e.getFailureKind()).isEqualTo(FailureKind.INVALID_SPEC));
    assertThat(events(plan).get(0).getReason()).contains("carries no taskSpecJson");
    assertThat(events(plan).get(1).getReason()).contains("does not parse");
    assertThat(events(plan).get(2).getReason()).contains("ftp://");
    assertThat(plan.launches()).isEmpty();
    assertThat(plan.seen()).hasSize(3);
    assertThat(plan.tally().invalidSpecs()).isEqualTo(3);
  }

  @Test
  void shouldSkipARunWhoseOutputExists() {
    outputs.put("/data/out.csv", true);
    run(P0, attempt("r1", "done", 1), Specs.processWithOutput("done", List.of("true"), "/data/out.csv"));
    outputs.put("/data/new.csv", false);
    run(P0, attempt("r1", "todo", 1), Specs.processWithOutput("todo", List.of("true"), "/data/new.csv"));

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(SKIPPED, STARTED);
    assertThat(events(plan).get(0).getReason()).isEqualTo("output /data/out.csv exists");
    assertThat(plan.launches()).extracting(l -> l.id().taskId()).containsExactly("todo");
    assertThat(plan.tally().skipped()).isEqualTo(1);
  }

  @Test
  void shouldFailARunWhoseOutputCannotBeCheckedWithAKindThatIsRetried() {
    outputsIoError = "403 Forbidden";
    run(P0, attempt("r1", "s3", 1), Specs.processWithOutput("s3", List.of("true"), "s3://bucket/out.csv"));

    CommandPlan plan = handle();

    assertThat(kinds(plan)).containsExactly(FAILED);
    assertThat(events(plan).get(0).getFailureKind()).isEqualTo(FailureKind.OTHER);
    assertThat(events(plan).get(0).getReason()).isEqualTo("cannot check output s3://bucket/out.csv: 403 Forbidden");
    assertThat(plan.launches()).isEmpty();
  }

  @Test
  void shouldNameTheOutputOnceWhenTheCheckersMessageNamesItToo() {
    outputsIoError = "s3://bucket/out.csv: S3 could not be asked (HeadObject): no AWS region is configured";
    run(P0, attempt("r1", "s3", 1), Specs.processWithOutput("s3", List.of("true"), "s3://bucket/out.csv"));

    assertThat(events(handle()).get(0).getReason()).isEqualTo(
        "cannot check output s3://bucket/out.csv: S3 could not be asked (HeadObject): no AWS region is configured");
  }

  @Test
  void shouldLeaveRunsOverTheConcurrencyLimitAndWhatFollowsThemToBeReadAgain() {
    maxConcurrent = 2;
    attempts.put(running(attempt("r0", "busy", 1)));
    run(P0, attempt("r1", "a", 1), HELLO);
    run(P0, attempt("r1", "b", 1), HELLO);
    send(P0, command(CommandKind.CANCEL, attempt("r1", "a", 1)).build());
    run(P1, attempt("r1", "c", 1), HELLO);

    CommandPlan plan = handle();

    assertThat(plan.launches()).extracting(l -> l.id().taskId()).containsExactly("a");
    assertThat(kinds(plan)).containsExactly(STARTED);
    assertThat(plan.commitUpTo()).containsOnly(Map.entry(P0, 1L));
    assertThat(plan.readAgainFrom()).as("the CANCEL behind b waits with it").containsOnly(Map.entry(P0, 1L), Map.entry(P1, 0L));
    assertThat(plan.tally().commands()).isEqualTo(1);
    assertThat(plan.seen()).containsExactly(attempt("r1", "a", 1));
  }

  @Test
  void shouldReadEverythingAgainWhileTheRegistryDoesNotAnswer() {
    registryDown = true;
    run(P0, attempt("r1", "a", 1), HELLO);
    run(P0, attempt("r1", "b", 1), HELLO);
    run(P1, attempt("r1", "c", 1), HELLO);

    CommandPlan plan = handle();

    assertThat(plan.records()).isEmpty();
    assertThat(plan.launches()).isEmpty();
    assertThat(plan.commitUpTo()).isEmpty();
    assertThat(plan.readAgainFrom()).containsOnly(Map.entry(P0, 0L), Map.entry(P1, 0L));
    assertThat(plan.registryRetryAt()).isEqualTo(NOW + CommandHandler.REGISTRY_RETRY.toMillis());
    assertThat(plan.tally().registryWaits()).as("asked once, not once per record").isEqualTo(1);
    assertThat(plan.isEmpty()).isTrue();
  }

  @Test
  void shouldNotDecodeUntilTheRegistryRetryIsDue() {
    run(P0, attempt("r1", "a", 1), HELLO);

    CommandPlan waiting = handler().handle(poll, attempts, NOW + 1, NOW);
    CommandPlan due = handler().handle(poll, attempts, NOW, NOW);

    assertThat(waiting.readAgainFrom()).containsOnly(Map.entry(P0, 0L));
    assertThat(waiting.tally().registryWaits()).isZero();
    assertThat(waiting.registryRetryAt()).isEqualTo(NOW + 1);
    assertThat(due.launches()).hasSize(1);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private CommandHandler handler() {
    Deserializer<TaskCommand> fake = (topic, data) -> {
      if (registryDown) throw new SchemaRegistryException("registry at http://registry does not answer");
      TaskCommand c = commands.get(new String(data, StandardCharsets.UTF_8));
      if (c == null) throw new IllegalArgumentException("unknown magic byte");
      return c;
    };
    OutputChecker checker = target -> {
      if (outputsThrow != null) throw outputsThrow;
      if (outputsIoError != null) throw new IOException(outputsIoError);
      if (!target.startsWith("/") && !target.startsWith("s3://")) {
        throw new OutputChecker.UnsupportedOutputException("output " + target + ": no checker for its scheme");
      }
      return outputs.getOrDefault(target, false);
    };
    return new CommandHandler(new CommandDecoder(fake), checker, new AttemptEvents("exec-a"), maxConcurrent,
        "weft.dead-letter", "executor/process/exec-a", "test-executor");
  }

  private CommandPlan handle() {
    return handler().handle(poll, attempts, 0, NOW);
  }

  private Attempt running(AttemptId id) {
    return new Attempt(id, 5_000, 20_000, 0, NOW, signals);
  }

  private void run(TopicPartition tp, AttemptId id, TaskSpec spec) {
    send(tp, command(CommandKind.RUN, id).setTaskSpecJson(Specs.json(spec)).build());
  }

  private void send(TopicPartition tp, TaskCommand c) {
    String value = "cmd-" + commands.size();
    commands.put(value, c);
    poll.add(record(tp, Topics.commandKey(c.getRunId(), c.getTaskId()), value));
  }

  private ConsumerRecord<byte[], byte[]> record(TopicPartition tp, String key, String value) {
    long offset = poll.stream().filter(r -> r.partition() == tp.partition()).count();
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static AttemptId attempt(String run, String task, int n) {
    return new AttemptId(run, task, n);
  }

  private static TaskCommand.Builder command(CommandKind kind, AttemptId id) {
    return TaskCommand.newBuilder().setKind(kind).setRunId(id.runId()).setTaskId(id.taskId()).setAttempt(id.attempt())
        .setExecutor("process").setPipeline("test").setIssuedAtMs(NOW - 5);
  }

  private static List<TaskEvent> events(CommandPlan plan) {
    return plan.records().stream().filter(Outgoing::isEvent).map(Outgoing::event).toList();
  }

  private static List<TaskEventKind> kinds(CommandPlan plan) {
    return events(plan).stream().map(TaskEvent::getKind).toList();
  }
}
