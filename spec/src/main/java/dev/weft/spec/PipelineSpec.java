package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * A pipeline as the user writes it (YAML or JSON, one model): a name, parameter defaults, task defaults, the tasks
 * themselves, and optionally when it runs by itself ({@code schedule}, published with {@code weft schedule apply};
 * a submit ignores it). Field names are the user's contract; see README "The pipeline spec".
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PipelineSpec(String pipeline, Map<String, String> params, TaskDefaults defaults, List<TaskSpec> tasks,
    ScheduleSpec schedule) {
  public PipelineSpec {
    params = params == null ? Map.of() : Map.copyOf(params);
    defaults = defaults == null ? TaskDefaults.NONE : defaults;
    tasks = tasks == null ? List.of() : List.copyOf(tasks);
  }

  /** A pipeline without a schedule. */
  public PipelineSpec(String pipeline, Map<String, String> params, TaskDefaults defaults, List<TaskSpec> tasks) {
    this(pipeline, params, defaults, tasks, null);
  }
}
