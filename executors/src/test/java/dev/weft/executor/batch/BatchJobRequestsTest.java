package dev.weft.executor.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.batch.BatchJobRequests.JobResources;
import dev.weft.spec.BatchBlock;
import dev.weft.spec.Resources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.batch.model.KeyValuePair;
import software.amazon.awssdk.services.batch.model.RegisterJobDefinitionRequest;
import software.amazon.awssdk.services.batch.model.ResourceRequirement;
import software.amazon.awssdk.services.batch.model.ResourceType;
import software.amazon.awssdk.services.batch.model.SubmitJobRequest;

class BatchJobRequestsTest {
  private static final String JOB_NAME = "[A-Za-z0-9][A-Za-z0-9_-]{0,127}";
  private static final AttemptId ID = new AttemptId("run-1", "load.orders", 2);
  private static final BatchSettings SETTINGS = BatchSettings.defaults("etl-queue", "exec-0").withScope("weft.");

  @Test
  void shouldNameAJobAfterItsAttemptWithinBatchsLimits() {
    String name = BatchJobRequests.jobName(ID, "weft.");

    assertThat(name).matches(JOB_NAME).startsWith("weft-run-1-load_orders-2-");
    assertThat(BatchJobRequests.jobName(ID, "weft.")).as("the same attempt, the same name").isEqualTo(name);
    assertThat(BatchJobRequests.jobName(ID, "other.")).as("another installation").isNotEqualTo(name);
    assertThat(BatchJobRequests.jobName(new AttemptId("run-1", "load.orders", 3), "weft.")).isNotEqualTo(name);
  }

  @Test
  void shouldKeepNamesOfIdsThatSanitiseAlikeApart() {
    assertThat(BatchJobRequests.jobName(new AttemptId("a-b", "c", 1), null))
        .isNotEqualTo(BatchJobRequests.jobName(new AttemptId("a", "b-c", 1), null));
    assertThat(BatchJobRequests.jobName(new AttemptId("r", "t.x", 1), null))
        .isNotEqualTo(BatchJobRequests.jobName(new AttemptId("r", "t_x", 1), null));
  }

  @Test
  void shouldCutLongIdsToBatchsNameLimitAndStillTellThemApart() {
    String run = "r".repeat(200);
    String one = BatchJobRequests.jobName(new AttemptId(run, "t".repeat(200) + "1", 1), null);
    String two = BatchJobRequests.jobName(new AttemptId(run, "t".repeat(200) + "2", 1), null);

    assertThat(one).hasSize(128).matches(JOB_NAME);
    assertThat(two).hasSize(128).isNotEqualTo(one);
  }

  @Test
  void shouldNameTheDefinitionOfAnImageByImageAndResources() {
    JobResources small = new JobResources("1", 512);
    String name = BatchJobRequests.definitionName("123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:3", small);

    assertThat(name).matches(JOB_NAME).startsWith("weft-etl_3-");
    assertThat(BatchJobRequests.definitionName("123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:3", small))
        .as("reused for the same image and resources").isEqualTo(name);
    assertThat(BatchJobRequests.definitionName("123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:3",
        new JobResources("1", 1024))).isNotEqualTo(name);
    assertThat(BatchJobRequests.definitionName("other.registry/etl:3", small)).isNotEqualTo(name);
  }

  @Test
  void shouldRegisterADefinitionWithTheImageResourcesAndOneBatchAttempt() {
    RegisterJobDefinitionRequest r = BatchJobRequests.registerDefinition("weft-etl-abc", "etl:3",
        JobResources.of(new Resources(2.0, "1Gi", null)));

    assertThat(r.containerProperties().image()).isEqualTo("etl:3");
    assertThat(r.containerProperties().resourceRequirements()).extracting(ResourceRequirement::type,
        ResourceRequirement::value).containsExactly(
            org.assertj.core.groups.Tuple.tuple(ResourceType.VCPU, "2"),
            org.assertj.core.groups.Tuple.tuple(ResourceType.MEMORY, "1024"));
    assertThat(r.retryStrategy().attempts()).isEqualTo(1);
    assertThat(r.tags()).containsEntry(BatchJobRequests.TAG_MANAGED, "true");
  }

  @Test
  void shouldMapResourcesToVcpusAndWholeMebibytes() {
    assertThat(JobResources.of(new Resources(0.5, "1G", null))).isEqualTo(new JobResources("0.5", 954));
    assertThat(JobResources.of(new Resources(4.0, "512Mi", null))).isEqualTo(new JobResources("4", 512));
    assertThat(JobResources.of(new Resources(null, "256Mi", null))).isEqualTo(new JobResources("1", 256));
    assertThat(JobResources.of(null)).isEqualTo(BatchJobRequests.DEFAULT_RESOURCES);
  }

  @Test
  void shouldSubmitWithTheAttemptsEnvironmentOverTheTasksAndWeftsTags() {
    BatchBlock block = new BatchBlock(null, null, "etl:3", List.of("sh", "-c", "run"),
        Map.of("LC_ALL", "C", "WEFT_ATTEMPT", "99"), Map.of("team", "data"));

    SubmitJobRequest r = BatchJobRequests.submitJob(ID, "daily", block, "etl-queue", "weft-etl-abc:1",
        new Resources(1.0, "512Mi", null), null, SETTINGS);

    assertThat(r.jobName()).isEqualTo(BatchJobRequests.jobName(ID, "weft."));
    assertThat(r.jobQueue()).isEqualTo("etl-queue");
    assertThat(r.jobDefinition()).isEqualTo("weft-etl-abc:1");
    assertThat(r.retryStrategy().attempts()).as("Weft's retry policy decides, not Batch's").isEqualTo(1);
    assertThat(r.containerOverrides().command()).containsExactly("sh", "-c", "run");
    assertThat(r.containerOverrides().environment()).extracting(KeyValuePair::name, KeyValuePair::value)
        .contains(org.assertj.core.groups.Tuple.tuple("LC_ALL", "C"),
            org.assertj.core.groups.Tuple.tuple("WEFT_RUN_ID", "run-1"),
            org.assertj.core.groups.Tuple.tuple("WEFT_TASK_ID", "load.orders"),
            org.assertj.core.groups.Tuple.tuple("WEFT_ATTEMPT", "2"),
            org.assertj.core.groups.Tuple.tuple("WEFT_ATTEMPT_ID", "run-1/load.orders#2"))
        .doesNotContain(org.assertj.core.groups.Tuple.tuple("WEFT_ATTEMPT", "99"));
    assertThat(r.containerOverrides().resourceRequirements())
        .as("a definition registered for the image already has the resources").isEmpty();
    assertThat(r.tags()).contains(entry("team", "data"), entry("weft:run", "run-1"), entry("weft:task", "load.orders"),
        entry("weft:attempt", "2"), entry("weft:executor", "batch"), entry("weft:pipeline", "daily"),
        entry("weft:scope", "weft."), entry("weft:instance", "exec-0"));
    assertThat(r.timeout()).isNull();
    assertThat(BatchJobRequests.attemptOf(r.tags())).contains(ID);
  }

  @Test
  void shouldOverrideAnExistingDefinitionsResourcesOnlyWithThoseGiven() {
    BatchBlock block = new BatchBlock(null, "etl-def:3", null, List.of(), Map.of(), Map.of());

    SubmitJobRequest r = BatchJobRequests.submitJob(ID, null, block, "q", "etl-def:3",
        new Resources(null, "2Gi", null), null, SETTINGS);

    assertThat(r.jobDefinition()).isEqualTo("etl-def:3");
    assertThat(r.containerOverrides().command()).as("the definition's command").isEmpty();
    assertThat(r.containerOverrides().resourceRequirements()).extracting(ResourceRequirement::type,
        ResourceRequirement::value).containsExactly(org.assertj.core.groups.Tuple.tuple(ResourceType.MEMORY, "2048"));
  }

  @Test
  void shouldGiveBatchATimeoutBackstopAfterTheRuntimesOwnAndAtLeastBatchsMinimum() {
    BatchBlock block = new BatchBlock(null, "etl-def", null, List.of(), Map.of(), Map.of());

    assertThat(BatchJobRequests.submitJob(ID, null, block, "q", "etl-def", null, Duration.ofSeconds(3), SETTINGS)
        .timeout().attemptDurationSeconds()).isEqualTo(63);
    assertThat(BatchJobRequests.submitJob(ID, null, block, "q", "etl-def", null, Duration.ofMinutes(30), SETTINGS)
        .timeout().attemptDurationSeconds()).isEqualTo(1860);
    assertThat(BatchJobRequests.submitJob(ID, null, block, "q", "etl-def", null, Duration.ofMillis(1500), SETTINGS)
        .timeout().attemptDurationSeconds()).isEqualTo(62);
  }

  @Test
  void shouldNotReadAnAttemptFromIncompleteTags() {
    assertThat(BatchJobRequests.attemptOf(Map.of("weft:run", "r", "weft:task", "t"))).isEmpty();
    assertThat(BatchJobRequests.attemptOf(Map.of("weft:run", "r", "weft:task", "t", "weft:attempt", "x"))).isEmpty();
  }

  @Test
  void shouldLinkTheJobsConsolePage() {
    assertThat(BatchJobRequests.consoleUrl("eu-west-1", "abc-123"))
        .isEqualTo("https://eu-west-1.console.aws.amazon.com/batch/home?region=eu-west-1#jobs/detail/abc-123");
  }
}
