package dev.weft.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchBlockTest {
  @Test
  void shouldAcceptTheIssuesExampleAndReadIt() throws Exception {
    ResolvedPipeline p = PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: etl
        tasks:
          - id: load
            executor: batch
            batch:
              jobQueue: etl-queue
              image: weft-test/busybox:1
              command: ["sh", "-c", "echo hi"]
              env: {K: V, N: 1}
              tags: {team: data}
            resources: {cpu: 1, memory: 512Mi}
        """), Map.of());

    BatchBlock b = BatchBlock.read(SpecJson.MAPPER.readTree(p.tasks().get(0).specJson()).get("batch"));
    assertThat(b).isEqualTo(new BatchBlock("etl-queue", null, "weft-test/busybox:1", List.of("sh", "-c", "echo hi"),
        Map.of("K", "V", "N", "1"), Map.of("team", "data")));
  }

  @Test
  void shouldNameEveryProblemOfABatchTaskWithItsLocation() throws Exception {
    SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecs.resolve(PipelineSpecs.parse("""
        pipeline: etl
        tasks:
          - id: load
            executor: batch
            batch:
              jobDefinition: "etl def"
              image: x
              jobQueue: "no/such"
              command: "sh -c 'x'"
              env: {AWS_BATCH_JOB_ID: x, "1BAD": y}
              tags: {"weft:run": x, "aws:owner": y}
              retries: 3
            resources: {cpu: 0.3, pids: 10}
          - id: nothing
            executor: batch
            batch: {command: ["true"]}
        """), Map.of()));

    assertThat(e.problems()).extracting(SpecProblem::where).containsExactlyInAnyOrder(
        "tasks[0](load).batch.retries",
        "tasks[0](load).batch.jobQueue",
        "tasks[0](load).batch",
        "tasks[0](load).batch.jobDefinition",
        "tasks[0](load).batch.command",
        "tasks[0](load).batch.env.AWS_BATCH_JOB_ID",
        "tasks[0](load).batch.env.1BAD",
        "tasks[0](load).batch.tags.weft:run",
        "tasks[0](load).batch.tags.aws:owner",
        "tasks[0](load).resources.cpu",
        "tasks[1](nothing).batch");
    assertThat(e.problems()).filteredOn(p -> p.where().equals("tasks[0](load).batch")).extracting(SpecProblem::message)
        .containsExactly("give jobDefinition or image, not both: with image Weft registers the definition itself");
    assertThat(e.problems()).filteredOn(p -> p.where().equals("tasks[1](nothing).batch"))
        .extracting(SpecProblem::message).singleElement().asString().contains("jobDefinition").contains("image");
  }

  @Test
  void shouldLimitUserTagsToWhatBatchLeavesBesideWefts() {
    StringBuilder tags = new StringBuilder();
    for (int i = 0; i <= BatchBlock.MAX_USER_TAGS; i++) tags.append(i == 0 ? "" : ", ").append("t").append(i).append(": v");
    List<SpecProblem> problems = BatchBlock.problems(node("{jobDefinition: d, tags: {" + tags + "}}"), null, "batch");

    assertThat(problems).extracting(SpecProblem::toString).containsExactly(
        "batch.tags: 43 tags; a job takes at most 42 besides Weft's own (AWS allows 50)");
  }

  @Test
  void shouldAcceptDefinitionsByNameRevisionAndArnAndLeaveParametersToTheExecutor() {
    assertThat(BatchBlock.problems(node("{jobDefinition: etl-def}"), null, "batch")).isEmpty();
    assertThat(BatchBlock.problems(node("{jobDefinition: 'etl-def:3'}"), null, "batch")).isEmpty();
    assertThat(BatchBlock.problems(node(
        "{jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/etl-def:3'}"), null, "batch")).isEmpty();
    assertThat(BatchBlock.problems(node("{jobDefinition: '${def}', jobQueue: '${queue}'}"), null, "batch")).isEmpty();
    assertThat(BatchBlock.problems(node("{jobDefinition: 'etl-def:0'}"), null, "batch")).hasSize(1);
  }

  @Test
  void shouldRefuseMemoryBelowBatchsMinimum() {
    assertThat(BatchBlock.problems(node("{image: x}"), new Resources(0.25, "3Mi", null), "tasks[0].batch"))
        .extracting(SpecProblem::where).containsExactly("tasks[0].resources.memory");
  }

  private static com.fasterxml.jackson.databind.JsonNode node(String yaml) {
    try {
      return SpecJson.YAML.readTree(yaml);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
