package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskStatus;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A task that waits for many dependencies counts those met beside its record, so its record (which names every
 * dependency) is written when it is created and when it stops waiting, not once per dependency ended.
 */
class FanInTest {
  /** The tasks store's changelog, as the test driver names it. */
  private static final String TASKS_CHANGELOG = "weft-coordinator-test-" + CoordinatorTopology.TASKS_STORE + "-changelog";
  static final String FAN = """
      pipeline: fan
      tasks:
        - {id: r, executor: noop}
        - {id: m1, executor: noop, dependsOn: [r]}
        - {id: m2, executor: noop, dependsOn: [r]}
        - {id: m3, executor: noop, dependsOn: [r]}
        - {id: m4, executor: noop, dependsOn: [r]}
        - {id: s, executor: noop, dependsOn: [m1, m2, m3, m4]}
      """;

  private final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldCountDependenciesMetBesideTheSinkAndWriteItsRecordOnlyWhenItStopsWaiting() throws Exception {
    var tasksChangelog = h.driver.createOutputTopic(TASKS_CHANGELOG, new StringDeserializer(), new ByteArrayDeserializer());
    Map<String, TaskCommand> middle = startFan();
    assertThat(middle).containsOnlyKeys("m1", "m2", "m3", "m4");
    assertThat(sinkWrites(tasksChangelog.readRecordsToList())).as("the sink's record, written when created").isEqualTo(1);

    for (String m : List.of("m1", "m2", "m3")) h.succeed(middle.get(m)); // each its own commit in the test driver
    assertThat(h.unmetDependencies("f", "s")).isEqualTo(1);
    assertThat(h.task("f", "s").getUnmetDeps()).as("the record as written at creation").isEqualTo(4);
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).containsExactly(Map.entry("f/s", "3"));
    assertThat(sinkWrites(tasksChangelog.readRecordsToList())).as("no write of the sink's record per dependency met")
        .isZero();
    assertThat(h.drainRuns()).isEmpty();

    h.succeed(middle.get("m4"));
    TaskCommand s = CoordinatorHarness.only(h.drainRuns(), "s");
    assertThat(h.task("f", "s").getUnmetDeps()).as("the count folded into the record as the sink stopped waiting")
        .isZero();
    assertThat(h.task("f", "s").getStatus()).isEqualTo(TaskStatus.DISPATCHED.name());
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).isEmpty();
    h.succeed(s);
    assertThat(h.run("f").getStatus()).isEqualTo("SUCCEEDED");
    CoordinatorHarness.assertReplaysToTheSameStores(h, CoordinatorOptions.DEFAULT);
  }

  @Test
  void shouldLeaveNoCountBehindWhenAWaitingTaskEndsWithoutRunning() throws Exception {
    Map<String, TaskCommand> middle = startFan();
    h.succeed(middle.get("m1"));
    h.succeed(middle.get("m2"));
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).containsExactly(Map.entry("f/s", "2"));

    h.fail(middle.get("m3"), 1, dev.weft.avro.FailureKind.EXIT_CODE);
    assertThat(h.task("f", "s").getStatus()).isEqualTo(TaskStatus.UPSTREAM_FAILED.name());
    assertThat(h.task("f", "s").getUnmetDeps()).as("the count folded in as it ended").isEqualTo(2);
    assertThat(h.dump(CoordinatorTopology.DEPENDENCIES_MET_STORE)).isEmpty();
  }

  @Test
  void shouldReadARecordThatCountedItsDependenciesItselfAsBefore() throws Exception {
    // State written before the count moved beside the record (2026-12-03) holds the count in the record: with no
    // count beside it, the record's own is the unmet count.
    Map<String, TaskCommand> middle = startFan();
    h.succeed(middle.get("m1"));
    var tasks = h.driver.<String, dev.weft.coordinator.state.TaskState>getKeyValueStore(CoordinatorTopology.TASKS_STORE);
    var met = h.driver.<String, Integer>getKeyValueStore(CoordinatorTopology.DEPENDENCIES_MET_STORE);
    dev.weft.coordinator.state.TaskState sink = tasks.get("f/s");
    sink.setUnmetDeps(3);
    tasks.put("f/s", sink);
    met.delete("f/s");

    for (String m : List.of("m2", "m3", "m4")) h.succeed(middle.get(m));
    CoordinatorHarness.only(h.drainRuns(), "s");
  }

  /** Submits {@link #FAN} as run f and ends its root: the middle tasks' commands, by task id. */
  private Map<String, TaskCommand> startFan() throws Exception {
    h.submit("f", FAN);
    h.succeed(CoordinatorHarness.only(h.drainRuns(), "r"));
    return h.drainRuns().stream().collect(Collectors.toMap(TaskCommand::getTaskId, c -> c));
  }

  private static long sinkWrites(List<TestRecord<String, byte[]>> changelog) {
    return changelog.stream().filter(r -> r.key().equals("f/s")).count();
  }
}
