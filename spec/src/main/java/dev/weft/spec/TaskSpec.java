package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One task: what runs ({@code executor} and its block), after what ({@code dependsOn}), with which limits, and
 * what it produces ({@code output}: when that target already exists the task is SKIPPED, Luigi's complete()) and
 * what it reads besides its dependencies' outputs ({@code inputs}: declared for lineage only; Weft neither waits for
 * nor checks them). Both are {@link Target}s. {@code mapOver} makes it a template with one instance per item of
 * another task's result ({@link MapOverSpec}). {@code notBefore} (an ISO-8601 instant, usually templated, such as
 * {@code ${date}T06:00:00Z}) is a dependency on time: the task starts only once its dependencies are done and that
 * time has passed.
 *
 * <p>Executor blocks other than {@code process} are kept as JSON trees here and read by their executor, so a new
 * backend does not change this contract's Java type.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record TaskSpec(
    String id,
    String executor,
    List<String> dependsOn,
    ProcessSpec process,
    JsonNode container,
    JsonNode spark,
    JsonNode batch,
    JsonNode noop,
    Resources resources,
    RetrySpec retry,
    String timeout,
    String heartbeatTimeout,
    String queueTimeout,
    String output,
    List<String> inputs,
    MapOverSpec mapOver,
    String notBefore) {
  public TaskSpec {
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    // Not List.copyOf: validation reports a null entry with its index instead of a parse failure.
    inputs = inputs == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(inputs));
  }

  /** A task that waits for no time of day. */
  public TaskSpec(String id, String executor, List<String> dependsOn, ProcessSpec process, JsonNode container,
      JsonNode spark, JsonNode batch, JsonNode noop, Resources resources, RetrySpec retry, String timeout,
      String heartbeatTimeout, String queueTimeout, String output, List<String> inputs, MapOverSpec mapOver) {
    this(id, executor, dependsOn, process, container, spark, batch, noop, resources, retry, timeout, heartbeatTimeout,
        queueTimeout, output, inputs, mapOver, null);
  }

  /** A task that is not mapped over another one's result. */
  public TaskSpec(String id, String executor, List<String> dependsOn, ProcessSpec process, JsonNode container,
      JsonNode spark, JsonNode batch, JsonNode noop, Resources resources, RetrySpec retry, String timeout,
      String heartbeatTimeout, String queueTimeout, String output, List<String> inputs) {
    this(id, executor, dependsOn, process, container, spark, batch, noop, resources, retry, timeout, heartbeatTimeout,
        queueTimeout, output, inputs, null);
  }

  /** A task with no declared inputs. */
  public TaskSpec(String id, String executor, List<String> dependsOn, ProcessSpec process, JsonNode container,
      JsonNode spark, JsonNode batch, JsonNode noop, Resources resources, RetrySpec retry, String timeout,
      String heartbeatTimeout, String queueTimeout, String output) {
    this(id, executor, dependsOn, process, container, spark, batch, noop, resources, retry, timeout, heartbeatTimeout,
        queueTimeout, output, null);
  }

  /** A task with no queue timeout of its own (it takes the pipeline's default, or Weft's). */
  public TaskSpec(String id, String executor, List<String> dependsOn, ProcessSpec process, JsonNode container,
      JsonNode spark, JsonNode batch, JsonNode noop, Resources resources, RetrySpec retry, String timeout,
      String heartbeatTimeout, String output) {
    this(id, executor, dependsOn, process, container, spark, batch, noop, resources, retry, timeout, heartbeatTimeout,
        null, output);
  }

  /** The executor-specific block for {@link #executor()}, or null when the task has none. */
  public JsonNode executorBlock() {
    if (executor == null) return null;
    return switch (executor) {
      case "process" -> process == null ? null : SpecJson.MAPPER.valueToTree(process);
      case "container" -> container;
      case "spark" -> spark;
      case "batch" -> batch;
      case "noop" -> noop;
      default -> null;
    };
  }
}
