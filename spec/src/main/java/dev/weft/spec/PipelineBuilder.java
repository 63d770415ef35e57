package dev.weft.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link PipelineSpec} in Java, the same model the YAML describes.
 *
 * <pre>{@code
 * PipelineSpec etl = PipelineBuilder.pipeline("etl").param("date", "2026-11-22")
 *     .task(PipelineBuilder.process("extract", "sh", "-c", "cp in/${date}.csv out/").output("file:///data/out/${date}.csv"))
 *     .task(PipelineBuilder.process("report", "wc", "-l", "out/${date}.csv").dependsOn("extract").retry(3, "2s"))
 *     .build();
 * }</pre>
 */
public final class PipelineBuilder {
  private final String name;
  private final Map<String, String> params = new LinkedHashMap<>();
  private TaskDefaults defaults = TaskDefaults.NONE;
  private final List<TaskSpec> tasks = new ArrayList<>();

  private PipelineBuilder(String name) {
    this.name = name;
  }

  public static PipelineBuilder pipeline(String name) {
    return new PipelineBuilder(name);
  }

  public PipelineBuilder param(String key, String defaultValue) {
    params.put(key, defaultValue);
    return this;
  }

  public PipelineBuilder defaults(TaskDefaults d) {
    defaults = d;
    return this;
  }

  public PipelineBuilder task(Task task) {
    tasks.add(task.build());
    return this;
  }

  public PipelineBuilder task(TaskSpec task) {
    tasks.add(task);
    return this;
  }

  public PipelineSpec build() {
    return new PipelineSpec(name, params, defaults, tasks);
  }

  /** A task run as a local process: argv exactly as given. */
  public static Task process(String id, String... argv) {
    Task t = new Task(id, "process");
    t.argv = List.of(argv);
    return t;
  }

  /** A task that does nothing and succeeds (dry runs, joins, benchmarks). */
  public static Task noop(String id) {
    return new Task(id, "noop");
  }

  /** A task for any executor, with its block as JSON ({@code container:}, {@code spark:}, ...). */
  public static Task of(String id, String executor, JsonNode block) {
    Task t = new Task(id, executor);
    t.block = block;
    return t;
  }

  /** One task being built. */
  public static final class Task {
    private final String id;
    private final String executor;
    private final List<String> dependsOn = new ArrayList<>();
    private List<String> argv = List.of();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String workdir;
    private JsonNode block;
    private String output;
    private final List<String> inputs = new ArrayList<>();
    private RetrySpec retry;
    private String timeout;
    private Resources resources;
    private MapOverSpec mapOver;

    private Task(String id, String executor) {
      this.id = id;
      this.executor = executor;
    }

    public Task dependsOn(String... ids) {
      dependsOn.addAll(List.of(ids));
      return this;
    }

    public Task env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Task workdir(String dir) {
      workdir = dir;
      return this;
    }

    /** When this target exists the task is SKIPPED (already complete). */
    public Task output(String target) {
      output = target;
      return this;
    }

    /** Targets this task reads besides its dependencies' outputs (lineage only). */
    public Task inputs(String... targets) {
      inputs.addAll(List.of(targets));
      return this;
    }

    private String notBefore;

    /** One instance of this task per item of the JSON array that {@code task} wrote to its result file. */
    public Task mapOver(String task) {
      mapOver = MapOverSpec.overTask(task);
      return this;
    }

    /** {@code count} instances of this task, {@code ${item}} being each one's index. */
    public Task mapOverCount(int count) {
      mapOver = MapOverSpec.overCount(count);
      return this;
    }

    /** Not started before this instant (ISO-8601, parameters allowed: {@code ${date}T06:00:00Z}). */
    public Task notBefore(String instant) {
      notBefore = instant;
      return this;
    }

    public Task retry(int maxAttempts, String backoff) {
      retry = new RetrySpec(maxAttempts, backoff, null, null, null, null);
      return this;
    }

    public Task timeout(String duration) {
      timeout = duration;
      return this;
    }

    public Task resources(Double cpu, String memory) {
      resources = new Resources(cpu, memory, null);
      return this;
    }

    TaskSpec build() {
      ProcessSpec process = executor.equals("process") ? new ProcessSpec(argv, env, workdir) : null;
      JsonNode container = executor.equals("container") ? block : null;
      JsonNode spark = executor.equals("spark") ? block : null;
      JsonNode batch = executor.equals("batch") ? block : null;
      JsonNode noop = executor.equals("noop") ? block : null;
      return new TaskSpec(id, executor, dependsOn, process, container, spark, batch, noop, resources, retry, timeout,
          null, null, output, inputs, mapOver, notBefore);
    }
  }
}
