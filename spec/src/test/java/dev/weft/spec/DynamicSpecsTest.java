package dev.weft.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation of mapped tasks and spawned fragments, and the expansion of a mapped task's template. */
class DynamicSpecsTest {

  @Test
  void shouldMakeAMappedTaskWaitForTheTaskItMapsOverAndKeepItsItemForLater() throws Exception {
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        params: {date: "2026-12-01"}
        tasks:
          - {id: list, executor: noop}
          - id: load
            mapOver: {task: list}
            executor: process
            process: {argv: ["load", "${item.name}", "${date}", "$${literal}"]}
            output: /out/${item.name}
        """), Map.of());

    ResolvedTask load = p.tasks().get(1);
    assertThat(load.dependsOn()).containsExactly("list");
    assertThat(load.mapOver()).isEqualTo("list");
    assertThat(load.specJson()).contains("[\"load\",\"${item.name}\",\"2026-12-01\",\"$${literal}\"]");

    List<MappedTasks.Instance> instances = MappedTasks.expand("load", load.specJson(), "list",
        "[{\"name\": \"a\"}, {\"name\": \"b\", \"n\": 2}]", 10);
    assertThat(instances).extracting(MappedTasks.Instance::id).containsExactly("load[0]", "load[1]");
    assertThat(instances.get(1).specJson()).contains("[\"load\",\"b\",\"2026-12-01\",\"${literal}\"]")
        .doesNotContain("mapOver");
    assertThat(instances.get(1).output()).isEqualTo("/out/b");
  }

  @Test
  void shouldNameTheItemsThatLackAField() throws Exception {
    String template = "{\"id\":\"load\",\"executor\":\"noop\",\"output\":\"/o/${item.name}\"}";
    assertThatThrownBy(() -> MappedTasks.expand("load", template, "list", "[{\"name\": \"a\"}, {\"x\": 1}]", 10))
        .hasMessageContaining("items[1](load[1]).output: the item has no field 'name' (${item.name})");
    assertThatThrownBy(() -> MappedTasks.expand("load", template, "list", "\"a\"", 10))
        .hasMessageContaining("is a string, not a JSON array");
  }

  @Test
  void shouldRejectMappingOverAnUnknownAMappedOrASkippableTask() {
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        tasks:
          - {id: a, executor: noop, output: /tmp/a}
          - {id: b, executor: noop, mapOver: {task: a}}
          - {id: c, executor: noop, mapOver: {task: b}}
          - {id: d, executor: noop, mapOver: {task: nope}}
        """), Map.of()))
        .hasMessageContaining("tasks[1](b).mapOver.task: task 'a' declares an output")
        .hasMessageContaining("tasks[2](c).mapOver.task: task 'b' is mapped itself")
        .hasMessageContaining("tasks[3](d).mapOver.task: unknown task 'nope'");
  }

  @Test
  void shouldTakeACountInsteadOfATaskAndKeepTheItemForLater() throws Exception {
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        tasks:
          - {id: shard, executor: process, mapOver: {count: 1000000}, process: {argv: [work, "${item}", "${day}"]}}
        """), Map.of("day", "mon"));
    ResolvedTask shard = p.tasks().get(0);
    assertThat(shard.mapCount()).isEqualTo(1_000_000);
    assertThat(shard.mapOver()).isNull();
    assertThat(shard.dependsOn()).isEmpty();
    assertThat(shard.specJson()).contains("[\"work\",\"${item}\",\"mon\"]").contains("{\"count\":1000000}");
    assertThat(MappedTasks.expandRange("shard", shard.specJson(), 999_998, 1_000_000))
        .extracting(MappedTasks.Instance::id, i -> i.specJson().contains("[\"work\",\"999999\",\"mon\"]"))
        .containsExactly(org.assertj.core.groups.Tuple.tuple("shard[999998]", false),
            org.assertj.core.groups.Tuple.tuple("shard[999999]", true));
  }

  @Test
  void shouldRejectACountWithATaskNoneOrANegativeCount() {
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        tasks:
          - {id: a, executor: noop}
          - {id: b, executor: noop, mapOver: {task: a, count: 3}}
          - {id: c, executor: noop, mapOver: {}}
          - {id: d, executor: noop, mapOver: {count: -1}}
        """), Map.of()))
        .hasMessageContaining("tasks[1](b).mapOver: give task or count, not both")
        .hasMessageContaining("tasks[2](c).mapOver: give the task whose result to map over ({task: list-files}) or a "
            + "number of instances ({count: 100})")
        .hasMessageContaining("tasks[3](d).mapOver.count: must be 0 or more (got -1)");
  }

  @Test
  void shouldGiveEachInstanceTheNotBeforeTimeItsItemNames() throws Exception {
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        params: {hour: "06"}
        tasks:
          - {id: days, executor: noop}
          - {id: publish, executor: noop, mapOver: {task: days}, notBefore: "${item.day}T${hour}:00:00Z"}
          - {id: all, executor: noop, mapOver: {task: days}, notBefore: "2026-12-01T05:00:00+01:00"}
        """), Map.of());

    ResolvedTask publish = p.tasks().get(1);
    assertThat(publish.notBeforeMs()).as("the mapped task itself waits for no time").isZero();
    assertThat(MappedTasks.expand("publish", publish.specJson(), "days",
        "[{\"day\": \"2026-12-01\"}, {\"day\": \"2026-12-02\"}]", 10))
        .extracting(MappedTasks.Instance::notBeforeMs)
        .containsExactly(java.time.Instant.parse("2026-12-01T06:00:00Z").toEpochMilli(),
            java.time.Instant.parse("2026-12-02T06:00:00Z").toEpochMilli());
    assertThat(p.tasks().get(2).notBeforeMs()).as("a time that names no item holds the mapped task")
        .isEqualTo(java.time.Instant.parse("2026-12-01T04:00:00Z").toEpochMilli());

    assertThatThrownBy(() -> MappedTasks.expand("publish", publish.specJson(), "days",
        "[{\"day\": \"2026-12-01\"}, {\"day\": \"soon\"}]", 10))
        .hasMessageContaining("items[1](publish[1]).notBefore: 'soonT06:00:00Z' is not an instant");
  }

  @Test
  void shouldRefuseAnIndexAsTheTimeOfATaskMappedOverACount() {
    assertThatThrownBy(() -> PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: m
        tasks:
          - {id: shard, executor: noop, mapOver: {count: 3}, notBefore: "2026-12-0${item}T06:00:00Z"}
        """), Map.of()))
        .hasMessageContaining("tasks[0](shard).notBefore: an instance of a task mapped over a count has its index");
  }

  @Test
  void shouldValidateASpawnedFragmentAgainstTheRunsTasks() throws Exception {
    List<ResolvedTask> ok = PipelineSpecs.resolveSpawned(
        "{\"tasks\": [{\"id\": \"s\", \"executor\": \"noop\", \"dependsOn\": [\"old\"], \"timeout\": \"${t}\"}]}",
        Map.of("t", "1m"), "old"::equals);
    assertThat(ok).singleElement().satisfies(t -> assertThat(t.timeoutMs()).isEqualTo(60_000));

    assertThatThrownBy(() -> PipelineSpecs.resolveSpawned("""
        [{"id": "a", "executor": "noop", "dependsOn": ["b"]},
         {"id": "b", "executor": "noop", "dependsOn": ["a"]}]""", Map.of(), id -> false))
        .hasMessageContaining("spawned.tasks: dependency cycle: ");
    assertThatThrownBy(() -> PipelineSpecs.resolveSpawned("[{\"id\": \"a\", \"executor\": \"process\"}]", Map.of(),
        id -> false)).hasMessageContaining("spawned.tasks[0](a).process: a 'process:' block is required");
    assertThatThrownBy(() -> PipelineSpecs.resolveSpawned("{\"pipeline\": \"x\", \"tasks\": []}", Map.of(),
        id -> false)).hasMessageContaining("a fragment has only 'tasks:' and 'defaults:'");
  }
}
