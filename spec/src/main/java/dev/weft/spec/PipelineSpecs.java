package dev.weft.spec;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads pipeline specs (YAML or JSON) and turns them into {@link ResolvedPipeline}s. Both the CLI (for early
 * feedback) and the coordinator (the authority: requests may come from any producer) call it, so they agree.
 */
public final class PipelineSpecs {
  public static final Set<String> EXECUTORS = Set.of("process", "container", "spark", "batch", "noop");
  /** The most names a typo is compared with for a suggestion ({@link #didYouMean}). */
  private static final int SUGGEST_AMONG_AT_MOST = 500;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");
  private static final Pattern PARAM = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");
  private static final long DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
  /**
   * How long a dispatched task may wait for an executor to start it before it fails, naming its executor group. An
   * hour, as Airflow's {@code task_queued_timeout} default: long enough for a busy group's backlog, short enough that
   * a task whose group has no member at all does not wait unseen forever.
   */
  public static final long DEFAULT_QUEUE_TIMEOUT_MS = 3_600_000;

  private PipelineSpecs() {}

  /** Parses with the default limits. */
  public static PipelineSpec parse(String text) throws SpecException {
    return parse(text, SpecLimits.DEFAULT);
  }

  /**
   * @return the spec as written, not yet validated
   * @throws SpecException when the text is too large, not YAML/JSON, or has unknown or mistyped fields (with line)
   */
  public static PipelineSpec parse(String text, SpecLimits limits) throws SpecException {
    if (text == null || text.isBlank()) throw new SpecException("", "the pipeline spec is empty");
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > limits.maxSpecBytes()) {
      throw new SpecException("", "the pipeline spec is " + bytes + " bytes; the limit is " + limits.maxSpecBytes()
          + " bytes. Split the pipeline, or generate fewer, larger tasks");
    }
    boolean json = text.stripLeading().startsWith("{");
    try {
      PipelineSpec spec = (json ? SpecJson.MAPPER : SpecJson.YAML).readValue(text, PipelineSpec.class);
      if (spec == null) throw new SpecException("", "the pipeline spec is empty");
      return spec;
    } catch (UnrecognizedPropertyException e) {
      throw new SpecException(unknownFields(text, json, e));
    } catch (JsonProcessingException e) {
      throw new SpecException(where(e), e.getOriginalMessage());
    }
  }

  /** Every unknown field of the document, where Jackson reported only the first. */
  private static List<SpecProblem> unknownFields(String text, boolean json, UnrecognizedPropertyException first) {
    try {
      JsonNode tree = (json ? SpecJson.MAPPER : SpecJson.YAML).readTree(text);
      List<SpecProblem> all = UnknownFields.find(tree, PipelineSpec.class, key -> lineOfKey(text, key));
      if (!all.isEmpty()) return all;
    } catch (JsonProcessingException e) {
      // It parsed as far as the first unknown field: report that one.
    }
    return List.of(new SpecProblem(path(first) + lineOfKey(text, first.getPropertyName()).map(l -> " (line " + l + ")")
        .orElseGet(() -> location(first)), "unknown field '" + first.getPropertyName() + "'; known fields: "
        + first.getKnownPropertyIds()));
  }

  /**
   * The pipeline name a spec declares, read without validating the rest: a rejected request still has to be filed
   * under a name (history keys runs by pipeline).
   *
   * @return the top-level {@code pipeline} when the text is JSON or YAML and it is a valid name; otherwise null
   */
  public static String declaredName(String text) {
    if (text == null || text.isBlank()) return null;
    try {
      JsonNode root = (text.stripLeading().startsWith("{") ? SpecJson.MAPPER : SpecJson.YAML).readTree(text);
      JsonNode name = root == null ? null : root.get("pipeline");
      return name != null && name.isTextual() && NAME.matcher(name.asText()).matches() ? name.asText() : null;
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** The spec as compact JSON, the form a request carries. */
  public static String toJson(PipelineSpec spec) {
    try {
      return SpecJson.MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a parsed spec always serializes", e);
    }
  }

  /** Validates and resolves with the default limits. */
  public static ResolvedPipeline resolve(PipelineSpec spec, Map<String, String> paramOverrides) throws SpecException {
    return resolve(spec, paramOverrides, SpecLimits.DEFAULT);
  }

  /**
   * Validates the spec and substitutes parameters ({@code ${name}}; {@code $${} is a literal {@code ${}).
   *
   * @param paramOverrides values that win over the spec's {@code params} defaults
   * @return the pipeline with every task resolved
   * @throws SpecException listing every problem: duplicate id, unknown dependency, cycle (named), unknown executor,
   *     missing executor block, missing parameter, bad duration or size, a malformed {@code output} or
   *     {@code inputs} target, too many tasks
   */
  public static ResolvedPipeline resolve(PipelineSpec spec, Map<String, String> paramOverrides, SpecLimits limits)
      throws SpecException {
    List<SpecProblem> problems = new ArrayList<>();
    if (spec.pipeline() == null || !NAME.matcher(spec.pipeline()).matches()) {
      problems.add(new SpecProblem("pipeline", "a name is required: letters, digits, '.', '_' or '-', e.g. "
          + "'daily-revenue' (got " + quote(spec.pipeline()) + ")"));
    }
    Map<String, String> params = new LinkedHashMap<>(spec.params());
    if (paramOverrides != null) params.putAll(paramOverrides);
    if (spec.schedule() != null) problems.addAll(CronSchedule.problems(spec.schedule(), "schedule"));
    List<TaskSpec> tasks = spec.tasks();
    if (tasks.isEmpty()) problems.add(new SpecProblem("tasks", "the pipeline has no tasks"));
    if (tasks.size() > limits.maxTasks()) {
      problems.add(new SpecProblem("tasks", tasks.size() + " tasks; the limit is " + limits.maxTasks()));
      throw new SpecException(problems);
    }

    Map<String, Integer> indexById = new HashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      TaskSpec t = tasks.get(i);
      String at = "tasks[" + i + "]";
      if (t.id() == null || !NAME.matcher(t.id()).matches()) {
        problems.add(new SpecProblem(at + ".id", "a task id is required: letters, digits, '.', '_' or '-' (got "
            + quote(t.id()) + ")"));
        continue;
      }
      Integer earlier = indexById.putIfAbsent(t.id(), i);
      if (earlier != null) {
        problems.add(new SpecProblem(at + ".id", "duplicate task id '" + t.id() + "' (first at tasks[" + earlier + "])"));
      }
    }
    for (int i = 0; i < tasks.size(); i++) {
      checkMapOver(tasks.get(i), "tasks[" + i + "]" + label(tasks.get(i)), tasks, indexById, problems);
    }
    tasks = withMapOverDependencies(tasks, indexById);
    boolean[] checked = new boolean[tasks.size()];
    for (int i = 0; i < tasks.size(); i++) {
      int before = problems.size();
      checkTask(tasks.get(i), "tasks[" + i + "]" + label(tasks.get(i)), indexById::containsKey, indexById.keySet(),
          problems);
      checked[i] = problems.size() == before;
    }
    // Every problem at once: a cycle (the search skips an unknown dependency) and the resolution's own problems
    // (a missing parameter) are reported beside the others, not after they are fixed.
    findCycle(tasks, indexById).ifPresent(
        cycle -> problems.add(new SpecProblem("tasks", "dependency cycle: " + String.join(" -> ", cycle))));

    List<ResolvedTask> resolved = new ArrayList<>(tasks.size());
    for (int i = 0; i < tasks.size(); i++) {
      String at = "tasks[" + i + "]" + label(tasks.get(i));
      try {
        resolved.add(resolveTask(tasks.get(i), spec.defaults(), params, at, problems));
      } catch (RuntimeException e) {
        // Only a task already found wrong gets here; what is wrong with it has been said.
        if (checked[i]) throw e;
      }
    }
    if (!problems.isEmpty()) throw new SpecException(new ArrayList<>(new java.util.LinkedHashSet<>(problems)));
    return new ResolvedPipeline(spec.pipeline(), params, resolved);
  }

  /**
   * Validates and resolves tasks that a running task spawned ({@code $WEFT_SPAWN_FILE}), as a request's tasks are:
   * ids, executor blocks, durations, targets, parameters (the run's), cycles. The fragment is JSON: a list of tasks,
   * or {@code {tasks: [...], defaults: {...}}}; the pipeline's own {@code defaults:} do not apply, since the run
   * keeps only its resolved tasks.
   *
   * @param existing whether a task id is already a task of the run; a dependency may name one, and an id may be one
   *     (the caller decides whether it is the same task spawned again)
   * @return the tasks in the fragment's order (the caller checks the run's task limit: tasks spawned again do not
   *     count)
   * @throws SpecException every problem, located as {@code spawned.tasks[2](id).dependsOn[0]}
   */
  public static List<ResolvedTask> resolveSpawned(String fragmentJson, Map<String, String> params,
      java.util.function.Predicate<String> existing) throws SpecException {
    PipelineSpec fragment = parseFragment(fragmentJson);
    List<TaskSpec> tasks = fragment.tasks();
    List<SpecProblem> problems = new ArrayList<>();
    if (tasks.isEmpty()) problems.add(new SpecProblem("spawned.tasks", "the fragment has no tasks"));
    Map<String, Integer> indexById = new HashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      TaskSpec t = tasks.get(i);
      String at = "spawned.tasks[" + i + "]";
      if (t.id() == null || !NAME.matcher(t.id()).matches()) {
        problems.add(new SpecProblem(at + ".id", "a task id is required: letters, digits, '.', '_' or '-' (got "
            + quote(t.id()) + ")"));
        continue;
      }
      Integer earlier = indexById.putIfAbsent(t.id(), i);
      if (earlier != null) {
        problems.add(new SpecProblem(at + ".id", "duplicate task id '" + t.id() + "' (first at spawned.tasks[" + earlier
            + "])"));
      }
      if (t.mapOver() != null) {
        problems.add(new SpecProblem(at + "(" + t.id() + ").mapOver", "a spawned task cannot be mapped; spawn one task "
            + "per item instead"));
      }
    }
    for (int i = 0; i < tasks.size(); i++) {
      checkTask(tasks.get(i), "spawned.tasks[" + i + "]" + label(tasks.get(i)),
          id -> indexById.containsKey(id) || existing.test(id), indexById.keySet(), problems);
    }
    if (problems.isEmpty()) findCycle(tasks, indexById).ifPresentOrElse(
        cycle -> problems.add(new SpecProblem("spawned.tasks", "dependency cycle: " + String.join(" -> ", cycle))),
        () -> {});
    List<ResolvedTask> resolved = new ArrayList<>(tasks.size());
    if (problems.isEmpty()) {
      Map<String, String> runParams = params == null ? Map.of() : params;
      for (int i = 0; i < tasks.size(); i++) {
        resolved.add(resolveTask(tasks.get(i), fragment.defaults(), runParams,
            "spawned.tasks[" + i + "]" + label(tasks.get(i)), problems));
      }
    }
    if (!problems.isEmpty()) throw new SpecException(problems);
    return resolved;
  }

  /** A fragment as a pipeline without a name: a bare list is its tasks. */
  private static PipelineSpec parseFragment(String text) throws SpecException {
    if (text == null || text.isBlank()) throw new SpecException("spawned", "the fragment is empty");
    JsonNode root = null;
    try {
      root = SpecJson.MAPPER.readTree(text);
      if (root != null && root.isArray()) {
        ObjectNode wrapped = SpecJson.MAPPER.createObjectNode();
        wrapped.set("tasks", root);
        root = wrapped;
      }
      if (root == null || !root.isObject()) {
        throw new SpecException("spawned", "expected a list of tasks, or an object with 'tasks:' (and 'defaults:')");
      }
      if (root.has("pipeline") || root.has("params") || root.has("schedule")) {
        throw new SpecException("spawned", "a fragment has only 'tasks:' and 'defaults:'; it runs in the spawner's "
            + "run, with that run's parameters");
      }
      return SpecJson.MAPPER.treeToValue(root, PipelineSpec.class);
    } catch (UnrecognizedPropertyException e) {
      List<SpecProblem> all = UnknownFields.find(root, PipelineSpec.class, key -> java.util.Optional.empty()).stream()
          .map(p -> new SpecProblem("spawned." + p.where(), p.message())).toList();
      if (!all.isEmpty()) throw new SpecException(all);
      throw new SpecException("spawned." + path(e), "unknown field '" + e.getPropertyName() + "'; known fields: "
          + e.getKnownPropertyIds());
    } catch (JsonProcessingException e) {
      throw new SpecException(("spawned." + path(e)).replaceAll("\\.$", ""), e.getOriginalMessage());
    }
  }

  /**
   * {@code mapOver} takes one of {@code task} and {@code count}. {@code task} must name another task of the pipeline
   * that is not mapped itself and has no output; {@code count} must not be negative (whether the run has room for the
   * instances is the coordinator's to say, when it creates them).
   */
  private static void checkMapOver(TaskSpec t, String at, List<TaskSpec> tasks, Map<String, Integer> ids,
      List<SpecProblem> problems) {
    if (t.mapOver() == null) return;
    Integer count = t.mapOver().count();
    String over = t.mapOver().task();
    if (count != null || over == null) {
      if (count == null) {
        problems.add(new SpecProblem(at + ".mapOver", "give the task whose result to map over ({task: list-files}) or "
            + "a number of instances ({count: 100})"));
      } else if (over != null) {
        problems.add(new SpecProblem(at + ".mapOver", "give task or count, not both"));
      } else if (count < 0) {
        problems.add(new SpecProblem(at + ".mapOver.count", "must be 0 or more (got " + count + ")"));
      }
      if (count != null && t.notBefore() != null && namesItem(t.notBefore())) {
        problems.add(new SpecProblem(at + ".notBefore", "an instance of a task mapped over a count has its index as "
            + "its item, not a time; name the item in notBefore only when mapping over a task's result"));
      }
      return;
    }
    Integer i = ids.get(over);
    if (i == null) {
      problems.add(new SpecProblem(at + ".mapOver.task", "unknown task " + quote(over)
          + didYouMean(over, ids.keySet()) + "; name the task whose result "
          + "(a JSON array written to $WEFT_RESULT_FILE) this one maps over"));
    } else if (over.equals(t.id())) {
      problems.add(new SpecProblem(at + ".mapOver.task", "a task cannot map over itself"));
    } else if (tasks.get(i).mapOver() != null) {
      problems.add(new SpecProblem(at + ".mapOver.task", "task '" + over + "' is mapped itself; map over a task that "
          + "writes one result"));
    } else if (tasks.get(i).output() != null) {
      // A task whose output exists is SKIPPED without running, so it would have no result to map over.
      problems.add(new SpecProblem(at + ".mapOver.task", "task '" + over + "' declares an output, so it may be SKIPPED "
          + "and write no result; a task mapped over cannot have an output"));
    }
  }

  /** A mapped task waits for the task it maps over, named in {@code dependsOn} or not. */
  private static List<TaskSpec> withMapOverDependencies(List<TaskSpec> tasks, Map<String, Integer> ids) {
    List<TaskSpec> out = null;
    for (int i = 0; i < tasks.size(); i++) {
      TaskSpec t = tasks.get(i);
      if (t.mapOver() == null || t.mapOver().task() == null || !ids.containsKey(t.mapOver().task())
          || t.dependsOn().contains(t.mapOver().task())) {
        continue;
      }
      if (out == null) out = new ArrayList<>(tasks);
      List<String> deps = new ArrayList<>(t.dependsOn());
      deps.add(t.mapOver().task());
      out.set(i, new TaskSpec(t.id(), t.executor(), deps, t.process(), t.container(), t.spark(), t.batch(), t.noop(),
          t.resources(), t.retry(), t.timeout(), t.heartbeatTimeout(), t.queueTimeout(), t.output(), t.inputs(),
          t.mapOver(), t.notBefore()));
    }
    return out == null ? tasks : out;
  }

  /**
   * @param known whether a task of that id exists
   * @param ids the ids to suggest for one that does not
   */
  private static void checkTask(TaskSpec t, String at, java.util.function.Predicate<String> known,
      java.util.Collection<String> ids, List<SpecProblem> problems) {
    if (t.executor() == null) {
      problems.add(new SpecProblem(at + ".executor", "required; one of " + sorted(EXECUTORS)));
    } else if (!EXECUTORS.contains(t.executor())) {
      problems.add(new SpecProblem(at + ".executor", "unknown executor '" + t.executor() + "'"
          + didYouMean(t.executor(), sorted(EXECUTORS)) + "; one of " + sorted(EXECUTORS)));
    } else if (!t.executor().equals("noop") && t.executorBlock() == null) {
      problems.add(new SpecProblem(at + "." + t.executor(), "a '" + t.executor() + ":' block is required for executor '"
          + t.executor() + "'"));
    } else if (t.executor().equals("process") && t.process().argv().isEmpty()) {
      problems.add(new SpecProblem(at + ".process.argv", "required: the command and its arguments, e.g. "
          + "[\"sh\", \"-c\", \"echo hello\"]"));
    }
    if ("batch".equals(t.executor()) && t.batch() != null) problems.addAll(BatchBlock.problems(t.batch(), t.resources(), at + ".batch"));
    for (int d = 0; d < t.dependsOn().size(); d++) {
      String dep = t.dependsOn().get(d);
      if (dep == null || !known.test(dep)) {
        problems.add(new SpecProblem(at + ".dependsOn[" + d + "]", "unknown task '" + dep + "'"
            + (dep == null ? "" : didYouMean(dep, ids))));
      } else if (dep.equals(t.id())) {
        problems.add(new SpecProblem(at + ".dependsOn[" + d + "]", "a task cannot depend on itself"));
      }
    }
    checkTargets(t, at, problems);
    checkDuration(t.timeout(), at + ".timeout", problems);
    checkDuration(t.heartbeatTimeout(), at + ".heartbeatTimeout", problems);
    checkDuration(t.queueTimeout(), at + ".queueTimeout", problems);
    if (t.notBefore() != null && !t.notBefore().contains("${")) notBeforeMs(t.notBefore(), at + ".notBefore", problems);
    checkResources(t.resources(), at + ".resources", problems);
    checkRetry(t.retry(), at + ".retry", problems);
  }

  /**
   * Checks {@code output} and each of {@code inputs} as a {@link Target}, except those with a parameter in them: they
   * are known only once substituted ({@link #checkSubstitutedTargets}). Every other target is checked here, with the
   * other problems of the spec.
   */
  private static void checkTargets(TaskSpec t, String at, List<SpecProblem> problems) {
    if (t.output() != null && !t.output().contains("${")) checkTarget(t.output(), at + ".output", problems);
    for (int i = 0; i < t.inputs().size(); i++) {
      String input = t.inputs().get(i);
      if (input == null) {
        problems.add(new SpecProblem(at + ".inputs[" + i + "]", "a target is required, e.g. s3://bucket/key or a path"));
      } else if (!input.contains("${")) {
        checkTarget(input, at + ".inputs[" + i + "]", problems);
      }
    }
  }

  /** The targets of {@code written} that had a parameter, checked in their substituted form from {@code resolved}. */
  private static void checkSubstitutedTargets(TaskSpec written, TaskSpec resolved, String at,
      List<SpecProblem> problems) {
    // A mapped task's targets may name its item, known only when it is expanded (MappedTasks checks them then).
    if (written.mapOver() != null) return;
    if (written.output() != null && written.output().contains("${")) {
      checkTarget(resolved.output(), at + ".output", problems);
    }
    for (int i = 0; i < written.inputs().size(); i++) {
      String input = written.inputs().get(i);
      if (input != null && input.contains("${")) checkTarget(resolved.inputs().get(i), at + ".inputs[" + i + "]", problems);
    }
  }

  private static void checkTarget(String text, String at, List<SpecProblem> problems) {
    try {
      Target.parse(text);
    } catch (Target.InvalidTargetException e) {
      problems.add(new SpecProblem(at, e.getMessage()));
    }
  }

  private static void checkDuration(String text, String at, List<SpecProblem> problems) {
    if (text == null || text.contains("${")) return;
    try {
      Durations.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(new SpecProblem(at, e.getMessage()));
    }
  }

  private static void checkResources(Resources r, String at, List<SpecProblem> problems) {
    if (r == null) return;
    if (r.cpu() != null && !(r.cpu() > 0)) problems.add(new SpecProblem(at + ".cpu", "must be > 0 (a fraction of cores)"));
    if (r.memory() != null) {
      try {
        if (MemorySize.parseBytes(r.memory()) <= 0) problems.add(new SpecProblem(at + ".memory", "must be > 0"));
      } catch (IllegalArgumentException e) {
        problems.add(new SpecProblem(at + ".memory", e.getMessage()));
      }
    }
    if (r.pids() != null && r.pids() <= 0) problems.add(new SpecProblem(at + ".pids", "must be > 0"));
  }

  private static void checkRetry(RetrySpec r, String at, List<SpecProblem> problems) {
    if (r == null) return;
    if (r.maxAttempts() != null && r.maxAttempts() < 1) {
      problems.add(new SpecProblem(at + ".maxAttempts", "must be at least 1 (1 = no retry)"));
    }
    if (r.multiplier() != null && r.multiplier() < 1) problems.add(new SpecProblem(at + ".multiplier", "must be >= 1"));
    if (r.jitter() != null && (r.jitter() < 0 || r.jitter() > 1)) {
      problems.add(new SpecProblem(at + ".jitter", "must be between 0 and 1 (a fraction of the backoff)"));
    }
    checkDuration(r.backoff(), at + ".backoff", problems);
    checkDuration(r.maxBackoff(), at + ".maxBackoff", problems);
  }

  /**
   * Iterative depth-first search (a 100,000-task chain must not overflow the stack).
   *
   * @return the task ids of one cycle, first id repeated at the end, if there is one
   */
  static java.util.Optional<List<String>> findCycle(List<TaskSpec> tasks, Map<String, Integer> indexById) {
    int n = tasks.size();
    byte[] color = new byte[n]; // 0 unvisited, 1 on the current path, 2 done
    int[] parent = new int[n];
    int[] nextEdge = new int[n];
    for (int start = 0; start < n; start++) {
      if (color[start] != 0) continue;
      Deque<Integer> stack = new ArrayDeque<>();
      stack.push(start);
      color[start] = 1;
      parent[start] = -1;
      while (!stack.isEmpty()) {
        int v = stack.peek();
        List<String> deps = tasks.get(v).dependsOn();
        if (nextEdge[v] < deps.size()) {
          Integer dep = indexById.get(deps.get(nextEdge[v]++));
          if (dep == null) continue; // a task outside these (one already in the run): it cannot depend on them
          int w = dep;
          if (color[w] == 0) {
            color[w] = 1;
            parent[w] = v;
            stack.push(w);
          } else if (color[w] == 1) {
            List<String> cycle = new ArrayList<>();
            for (int x = v; x != w; x = parent[x]) cycle.add(tasks.get(x).id());
            cycle.add(tasks.get(w).id());
            // The path climbs from v to w through dependants, so it already reads in run order (dependency first).
            cycle.add(cycle.get(0));
            return java.util.Optional.of(cycle);
          }
        } else {
          color[v] = 2;
          stack.pop();
        }
      }
    }
    return java.util.Optional.empty();
  }

  private static ResolvedTask resolveTask(
      TaskSpec t, TaskDefaults defaults, Map<String, String> params, String at, List<SpecProblem> problems) {
    boolean defaultsApply = (t.retry() == null && defaults.retry() != null)
        || (t.timeout() == null && defaults.timeout() != null)
        || (t.heartbeatTimeout() == null && defaults.heartbeatTimeout() != null)
        || (t.queueTimeout() == null && defaults.queueTimeout() != null)
        || (t.resources() == null && defaults.resources() != null);
    if (!defaultsApply) {
      // Most tasks have nothing to substitute and no default to take: the task is its own resolution, and one
      // serialisation replaces three tree conversions (a fifth of a replay's time went to them).
      String json;
      try {
        json = SpecJson.MAPPER.writeValueAsString(t);
      } catch (JsonProcessingException e) {
        problems.add(new SpecProblem(at, e.getOriginalMessage()));
        return null;
      }
      if (json.indexOf('$') < 0) return resolved(t, json, defaults, at, problems);
    }
    ObjectNode tree = SpecJson.MAPPER.valueToTree(t);
    substitute(tree, params, t.mapOver() != null, at, problems);
    if (t.retry() == null && defaults.retry() != null) tree.set("retry", SpecJson.MAPPER.valueToTree(defaults.retry()));
    if (t.timeout() == null && defaults.timeout() != null) tree.put("timeout", defaults.timeout());
    if (t.heartbeatTimeout() == null && defaults.heartbeatTimeout() != null) {
      tree.put("heartbeatTimeout", defaults.heartbeatTimeout());
    }
    if (t.queueTimeout() == null && defaults.queueTimeout() != null) tree.put("queueTimeout", defaults.queueTimeout());
    if (t.resources() == null && defaults.resources() != null) {
      tree.set("resources", SpecJson.MAPPER.valueToTree(defaults.resources()));
    }
    TaskSpec r;
    try {
      r = SpecJson.MAPPER.treeToValue(tree, TaskSpec.class);
    } catch (JsonProcessingException e) {
      problems.add(new SpecProblem(at, e.getOriginalMessage()));
      return null;
    }
    checkSubstitutedTargets(t, r, at, problems);
    return resolved(r, tree.toString(), defaults, at, problems);
  }

  private static ResolvedTask resolved(TaskSpec r, String specJson, TaskDefaults defaults, String at,
      List<SpecProblem> problems) {
    long timeoutMs = millis(r.timeout(), 0, at + ".timeout", problems);
    long heartbeatMs = millis(r.heartbeatTimeout(), DEFAULT_HEARTBEAT_TIMEOUT_MS, at + ".heartbeatTimeout", problems);
    long queueMs = millis(r.queueTimeout(), DEFAULT_QUEUE_TIMEOUT_MS, at + ".queueTimeout", problems);
    RetryPolicy retry = retryPolicy(r.retry(), defaults.retry(), at + ".retry", problems);
    // A mapped task's notBefore that names its item is each instance's own (MappedTasks.expand); the task itself,
    // which only starts its instances, then waits for no time.
    long notBeforeMs = r.notBefore() == null || r.mapOver() != null && namesItem(r.notBefore()) ? 0
        : notBeforeMs(r.notBefore(), at + ".notBefore", problems);
    return new ResolvedTask(r.id(), r.executor(), r.dependsOn(), retry, timeoutMs, heartbeatMs, queueMs, r.output(),
        r.inputs(), specJson, r.mapOver() == null ? null : r.mapOver().task(), notBeforeMs,
        r.mapOver() == null ? null : r.mapOver().count());
  }

  /**
   * A task's {@code notBefore}, parameters substituted: an ISO-8601 instant ({@code 2026-12-01T06:00:00Z}) or one with
   * an offset ({@code 2026-12-01T07:00:00+01:00}). A local time without an offset is refused: which zone it meant
   * would be a guess.
   */
  static long notBeforeMs(String text, String at, List<SpecProblem> problems) {
    try {
      return java.time.OffsetDateTime.parse(text).toInstant().toEpochMilli();
    } catch (java.time.format.DateTimeParseException e) {
      problems.add(new SpecProblem(at, "'" + text + "' is not an instant; write it with its offset, e.g. "
          + "2026-12-01T06:00:00Z or ${date}T06:00:00+01:00"));
      return 0;
    }
  }

  /** Task retry fields win one by one over the pipeline's default retry, which wins over {@link RetryPolicy#DEFAULT}. */
  private static RetryPolicy retryPolicy(RetrySpec task, RetrySpec dflt, String at, List<SpecProblem> problems) {
    RetryPolicy base = RetryPolicy.DEFAULT;
    RetrySpec[] layers = {dflt, task};
    int max = base.maxAttempts();
    long backoff = base.backoffMs();
    double mult = base.multiplier();
    long maxBackoff = base.maxBackoffMs();
    double jitter = base.jitter();
    List<Integer> codes = base.nonRetryableExitCodes();
    for (RetrySpec r : layers) {
      if (r == null) continue;
      if (r.maxAttempts() != null) max = r.maxAttempts();
      if (r.backoff() != null) backoff = millis(r.backoff(), backoff, at + ".backoff", problems);
      if (r.multiplier() != null) mult = r.multiplier();
      if (r.maxBackoff() != null) maxBackoff = millis(r.maxBackoff(), maxBackoff, at + ".maxBackoff", problems);
      if (r.jitter() != null) jitter = r.jitter();
      if (r.nonRetryableExitCodes() != null) codes = r.nonRetryableExitCodes();
    }
    return new RetryPolicy(max, backoff, mult, Math.max(maxBackoff, backoff), jitter, codes);
  }

  private static long millis(String text, long dflt, String at, List<SpecProblem> problems) {
    if (text == null) return dflt;
    try {
      Duration d = Durations.parse(text);
      return d.toMillis();
    } catch (IllegalArgumentException e) {
      problems.add(new SpecProblem(at, e.getMessage()));
      return dflt;
    }
  }

  /**
   * Replaces {@code ${name}} in every string value of the tree, in place. With {@code deferItems} (a mapped task),
   * {@code ${item}}, {@code ${item.field}} and {@code $${} stay as written, for {@link MappedTasks} to substitute per
   * instance.
   */
  static void substitute(JsonNode node, Map<String, String> params, boolean deferItems, String at,
      List<SpecProblem> problems) {
    if (node.isObject()) {
      ObjectNode obj = (ObjectNode) node;
      Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
      it.forEachRemaining(fields::add);
      for (Map.Entry<String, JsonNode> f : fields) {
        if (f.getValue().isTextual()) {
          obj.set(f.getKey(), new TextNode(substitute(f.getValue().asText(), params, deferItems, at + "." + f.getKey(),
              problems)));
        } else {
          substitute(f.getValue(), params, deferItems, at + "." + f.getKey(), problems);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode e = node.get(i);
        if (e.isTextual()) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node)
              .set(i, new TextNode(substitute(e.asText(), params, deferItems, at + "[" + i + "]", problems)));
        } else {
          substitute(e, params, deferItems, at + "[" + i + "]", problems);
        }
      }
    }
  }

  /** Whether {@code text} names a mapped task's item ({@code ${item}} or {@code ${item.field}}). */
  static boolean namesItem(String text) {
    Matcher m = PARAM.matcher(text);
    while (m.find()) {
      if (m.group(1) != null && MappedTasks.isItemReference(m.group(1))) return true;
    }
    return false;
  }

  /** Substitutes one string; exposed so executors and the CLI format params the same way. */
  public static String substitute(String text, Map<String, String> params, String at, List<SpecProblem> problems) {
    return substitute(text, params, false, at, problems);
  }

  private static String substitute(String text, Map<String, String> params, boolean deferItems, String at,
      List<SpecProblem> problems) {
    if (text.indexOf('$') < 0) return text;
    Matcher m = PARAM.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value;
      if (deferItems && (name == null || MappedTasks.isItemReference(name))) {
        value = m.group();
      } else if (name == null) {
        value = "${";
      } else if (params.containsKey(name)) {
        value = params.get(name);
      } else {
        problems.add(new SpecProblem(at, "missing parameter '" + name + "'; give it in params: or with --param "
            + name + "=VALUE"));
        value = m.group();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * The line where {@code key} is written, when it is written exactly once: YAML parsers report where they stopped,
   * which is often the line after the offending key.
   */
  private static java.util.Optional<Integer> lineOfKey(String text, String key) {
    // A key at the start of its line (block style), or after '{' or ',' (flow style: retry: {maxAttempts: 3}).
    Pattern p = Pattern.compile("(^[\\s-]*|[{,]\\s*)[\"']?" + Pattern.quote(key) + "[\"']?\\s*:",
        Pattern.MULTILINE);
    Matcher m = p.matcher(text);
    if (!m.find()) return java.util.Optional.empty();
    int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
    return m.find() ? java.util.Optional.empty() : java.util.Optional.of(line);
  }

  /** Where in the document: the field path ({@code tasks[0].retry}) and the line. */
  private static String where(JsonProcessingException e) {
    return (path(e) + location(e)).trim();
  }

  private static String path(JsonProcessingException e) {
    StringBuilder sb = new StringBuilder();
    if (e instanceof JsonMappingException jm) {
      for (JsonMappingException.Reference ref : jm.getPath()) {
        if (ref.getFieldName() != null) {
          if (!sb.isEmpty()) sb.append('.');
          sb.append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          sb.append('[').append(ref.getIndex()).append(']');
        }
      }
    }
    return sb.toString();
  }

  /** " (line L, column C)", or "" when the parser gave no line. */
  private static String location(JsonProcessingException e) {
    // The token's own start, not where the parser stopped (for YAML that is often the next line).
    JsonLocation loc = e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser p && p.currentTokenLocation() != null
        ? p.currentTokenLocation() : e.getLocation();
    if (loc == null || loc.getLineNr() <= 0) return "";
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private static String label(TaskSpec t) {
    return t.id() == null ? "" : "(" + t.id() + ")";
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "'" + s + "'";
  }

  /**
   * "; did you mean 'process'?" when one of {@code known} is a likely typo's intent, else "". Only among a few hundred
   * names: the coordinator validates specs in its fold, and a generated spec of 100,000 tasks each naming a missing
   * dependency must not cost it 10^10 comparisons.
   */
  private static String didYouMean(String given, java.util.Collection<String> known) {
    if (known.size() > SUGGEST_AMONG_AT_MOST) return "";
    return UnknownFields.closest(given, List.copyOf(known)).map(k -> "; did you mean '" + k + "'?").orElse("");
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
