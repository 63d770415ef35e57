package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.devstack.DevStack;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.SpecLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The task limit a dev stack's coordinator applies is the one it was started with ({@code --max-run-tasks} on
 * {@code weft dev} and {@code weft run}): a map of 200,000 instances after one task (200,001 in all) fails at once
 * under the default of 200,000, and grows to its full size under a limit of 200,001. The stack runs no executor, so
 * the instances are created and dispatched, not run.
 */
class RunTaskLimitEndToEndTest {
  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final int INSTANCES = SpecLimits.DEFAULT.maxRunTasks();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  @Timeout(300)
  void shouldApplyTheStacksTaskLimitToARunThatGrows(@TempDir Path dir) throws Exception {
    PipelineSpec spec = PipelineBuilder.pipeline("wide")
        .task(PipelineBuilder.noop("each").mapOverCount(INSTANCES))
        .build();

    try (DevStack stack = start(dir.resolve("default"), SpecLimits.DEFAULT);
        WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      SubmittedRun run = client.submit(spec, Map.of(), null, null);
      Conditions.await(WAIT, "the run fails under the default limit",
          () -> "FAILED".equals(header(stack, run).path("status").asText()));
      assertThat(header(stack, run).path("taskCount").asInt()).isEqualTo(1);
    }

    try (DevStack stack = start(dir.resolve("raised"), SpecLimits.DEFAULT.withMaxRunTasks(INSTANCES + 1));
        WeftClient client = new WeftClient(stack.bootstrapServers(), stack.serdes(), stack.topics())) {
      SubmittedRun run = client.submit(spec, Map.of(), null, null);
      Conditions.await(WAIT, "the map grows to all its instances under a limit of " + (INSTANCES + 1),
          () -> header(stack, run).path("taskCount").asInt() == INSTANCES + 1);
      assertThat(header(stack, run).path("status").asText()).isEqualTo("RUNNING");
    }
  }

  private static DevStack start(Path dir, SpecLimits limits) {
    // As `weft run` starts its stack: one partition, the registry and the broker in this JVM.
    DevStack.Options options = DevStack.Options.ephemeral(dir).withPartitions(1).withLimits(limits)
        .withInProcessRegistry().withInProcessBroker()
        .withComponents(EnumSet.of(DevStack.Component.BROKER, DevStack.Component.REGISTRY,
            DevStack.Component.COORDINATOR));
    return DevStack.start(options, m -> System.err.println("run-task-limit: " + m));
  }

  /** The run's header as the run list shows it (the run's own page would carry all its tasks). */
  private static JsonNode header(DevStack stack, SubmittedRun run) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(stack.apiUrl() + "/api/runs")).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET /api/runs: %s", r.body()).isEqualTo(200);
    for (JsonNode n : JSON.readTree(r.body())) {
      if (n.path("runId").asText().equals(run.runId())) return n;
    }
    return JSON.createObjectNode();
  }
}
