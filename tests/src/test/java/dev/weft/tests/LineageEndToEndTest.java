package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.sink.HistoryStores;
import dev.weft.sink.HistoryStore;
import dev.weft.sink.lineage.LineageIds;
import dev.weft.sink.lineage.LineageQuery;
import dev.weft.spec.PipelineSpecs;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClientUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lineage through the real stack: process tasks on the real broker, registry, coordinator, executor and completion
 * sink, whose OpenLineage file transport writes the stack's lineage file (the default destination). The test reads
 * that file with the OpenLineage client's own parser, and asks the sink's history which attempts wrote and read a
 * dataset, as {@code weft lineage} does.
 */
class LineageEndToEndTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration LINEAGE_TIMEOUT = Duration.ofSeconds(60);
  private static DevStack stack;
  private static WeftClient client;

  @BeforeAll
  static void connect() {
    stack = SharedStack.get();
    client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics());
  }

  @AfterAll
  static void disconnect() {
    if (client != null) client.close();
  }

  @Test
  void shouldNameEachTasksInputsAndOutputsAndNothingForSkippedAttempts(@TempDir Path dir) throws Exception {
    String pipeline = "lineage-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    String yaml = """
        pipeline: %s
        params: {dir: "%s"}
        tasks:
          - id: a
            executor: process
            process: {argv: ["sh", "-c", "echo a > ${dir}/a.csv"]}
            output: ${dir}/a.csv
          - id: b
            dependsOn: [a]
            executor: process
            process: {argv: ["sh", "-c", "cat ${dir}/a.csv > ${dir}/b.csv"]}
            output: file://${dir}/b.csv
          - id: c
            dependsOn: [b]
            executor: process
            process: {argv: ["sh", "-c", "cat ${dir}/b.csv > ${dir}/c.csv"]}
            output: ${dir}/c.csv
            inputs: ["s3://reference-data/rates/day=2026-12-01/", "${dir}/a.csv"]
        """.formatted(pipeline, dir);

    RunResult first = client.run(PipelineSpecs.parse(yaml), Map.of(), RUN_TIMEOUT);
    assertThat(first.status()).as("run %s", first).isEqualTo("SUCCEEDED");

    List<OpenLineage.RunEvent> events = awaitEvents(first.runId(), 6);
    assertThat(events).extracting(e -> e.getJob().getName(), e -> e.getEventType().name()).containsExactlyInAnyOrder(
        tuple(pipeline + ".a", "START"), tuple(pipeline + ".a", "COMPLETE"),
        tuple(pipeline + ".b", "START"), tuple(pipeline + ".b", "COMPLETE"),
        tuple(pipeline + ".c", "START"), tuple(pipeline + ".c", "COMPLETE"));
    String a = dir.resolve("a.csv").toString();
    String b = dir.resolve("b.csv").toString();
    String c = dir.resolve("c.csv").toString();
    for (OpenLineage.RunEvent e : events) {
      String task = e.getJob().getName().substring(pipeline.length() + 1);
      assertThat(e.getJob().getNamespace()).isEqualTo("weft");
      assertThat(e.getRun().getRunId()).isEqualTo(LineageIds.attempt(first.runId(), task, 1));
      assertThat(e.getRun().getFacets().getParent().getJob().getName()).isEqualTo(pipeline);
      List<String> inputs = e.getInputs().stream().map(d -> d.getNamespace() + " " + d.getName()).toList();
      List<String> outputs = e.getOutputs().stream().map(d -> d.getNamespace() + " " + d.getName()).toList();
      switch (task) {
        case "a" -> {
          assertThat(inputs).isEmpty();
          assertThat(outputs).containsExactly("file " + a);
        }
        case "b" -> {
          assertThat(inputs).containsExactly("file " + a);
          assertThat(outputs).as("a file URI names the same dataset as its path").containsExactly("file " + b);
        }
        default -> {
          // Its dependency's output, then its declared inputs; a.csv, declared too, is one dataset.
          assertThat(inputs).containsExactly("file " + b, "s3://reference-data rates/day=2026-12-01", "file " + a);
          assertThat(outputs).containsExactly("file " + c);
        }
      }
    }

    // Again: every output exists, every task is SKIPPED, and a skipped attempt wrote nothing to report.
    RunResult second = client.run(PipelineSpecs.parse(yaml), Map.of(), RUN_TIMEOUT);
    assertThat(second.counts()).as("run %s", second).isEqualTo(Map.of("SKIPPED", 3));
    assertThat(stack.sink().awaitRunWritten(second.runId(), LINEAGE_TIMEOUT)).as("the sink wrote the run").isTrue();
    assertThat(eventsOf(second.runId())).isEmpty();

    // weft lineage's answer, from history: who wrote b.csv, who read it, who found it already there.
    try (HistoryStore history = HistoryStores.open(stack.sink().location())) {
      LineageQuery query = new LineageQuery(history, Path.of("").toAbsolutePath());
      List<LineageQuery.Use> uses = query.uses("file://" + b, pipeline, null);
      assertThat(uses).extracting(LineageQuery.Use::role, LineageQuery.Use::runId, LineageQuery.Use::taskId,
          LineageQuery.Use::status).containsExactlyInAnyOrder(
          tuple(LineageQuery.Role.WROTE, first.runId(), "b", "SUCCEEDED"),
          tuple(LineageQuery.Role.READ, first.runId(), "c", "SUCCEEDED"),
          tuple(LineageQuery.Role.FOUND_PRESENT, second.runId(), "b", "SKIPPED"));
      assertThat(query.uses("s3://reference-data/rates/day=2026-12-01", pipeline, null))
          .extracting(LineageQuery.Use::role, LineageQuery.Use::taskId)
          .containsExactly(tuple(LineageQuery.Role.READ, "c"));
    }
  }

  /** Waits until the lineage file holds {@code count} events of the run's attempts. */
  private static List<OpenLineage.RunEvent> awaitEvents(String runId, int count) throws Exception {
    Conditions.await(LINEAGE_TIMEOUT, "the lineage file " + lineageFile() + " to hold " + count + " events of run "
        + runId, () -> eventsOf(runId).size() >= count);
    return eventsOf(runId);
  }

  /** The run's attempts' events in the lineage file, read with the OpenLineage client's own parser. */
  private static List<OpenLineage.RunEvent> eventsOf(String runId) throws Exception {
    Path file = lineageFile();
    if (!Files.exists(file)) return List.of();
    UUID parent = LineageIds.run(runId);
    return Files.readAllLines(file).stream().filter(l -> !l.isBlank())
        .map(OpenLineageClientUtils::runEventFromJson)
        .filter(e -> e.getRun().getFacets().getParent() != null
            && parent.equals(e.getRun().getFacets().getParent().getRun().getRunId()))
        .toList();
  }

  private static Path lineageFile() {
    return stack.options().lineageFileOrDefault();
  }
}
