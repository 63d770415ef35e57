package dev.weft.spec;

import java.util.List;
import java.util.Map;

/** A validated pipeline whose parameters are all substituted; tasks in the order the spec lists them. */
public record ResolvedPipeline(String name, Map<String, String> params, List<ResolvedTask> tasks) {
  public ResolvedPipeline {
    params = Map.copyOf(params);
    tasks = List.copyOf(tasks);
  }
}
