package dev.weft.executor.backend;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The variables every task sees, whatever runs it: which run, task and attempt it is. A task needs them to name its
 * own outputs per attempt (write to a temporary path named by {@code WEFT_ATTEMPT_ID}, then rename), to tag its logs
 * and metrics, or to tell a retry from a first try. Every backend adds them on top of the task's own {@code env}, and
 * they win over a variable of the same name there: a task cannot be told it is another attempt than the one running.
 */
public final class TaskEnvironment {
  public static final String RUN_ID = "WEFT_RUN_ID";
  public static final String TASK_ID = "WEFT_TASK_ID";
  /** 1 for the first try, 2 for the first retry, ... */
  public static final String ATTEMPT = "WEFT_ATTEMPT";
  /** {@link AttemptId#toString()}: {@code runId/taskId#attempt}. */
  public static final String ATTEMPT_ID = "WEFT_ATTEMPT_ID";

  /**
   * Where the task may write its result (JSON; a task mapped over writes an array), published with SUCCEEDED. Set
   * only by backends whose work sees the executor's files: process, spark (a local driver), container (a mount).
   */
  public static final String RESULT_FILE = "WEFT_RESULT_FILE";
  /** Where the task may write new tasks (YAML or JSON), published as SPAWNED; set where {@link #RESULT_FILE} is. */
  public static final String SPAWN_FILE = "WEFT_SPAWN_FILE";

  /** The names, in the order {@link #of} lists them. */
  public static final List<String> NAMES = List.of(RUN_ID, TASK_ID, ATTEMPT, ATTEMPT_ID);
  /** Every name Weft sets, which a task's own {@code env} cannot override. */
  private static final List<String> RESERVED = List.of(RUN_ID, TASK_ID, ATTEMPT, ATTEMPT_ID, RESULT_FILE, SPAWN_FILE);

  private TaskEnvironment() {}

  /** The attempt's variables, in the order of {@link #NAMES}. */
  public static Map<String, String> of(AttemptId id) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(RUN_ID, id.runId());
    env.put(TASK_ID, id.taskId());
    env.put(ATTEMPT, Integer.toString(id.attempt()));
    env.put(ATTEMPT_ID, id.toString());
    return env;
  }

  /** The task's own variables with the attempt's added on top (they win over the task's own of the same name). */
  public static Map<String, String> over(Map<String, String> taskEnv, AttemptId id) {
    return over(taskEnv, id, null, null);
  }

  /**
   * Also {@link #RESULT_FILE} and {@link #SPAWN_FILE} when given (paths as the task sees them: the host's, or a
   * container's mount).
   */
  public static Map<String, String> over(Map<String, String> taskEnv, AttemptId id, String resultFile,
      String spawnFile) {
    Map<String, String> env = new LinkedHashMap<>(taskEnv == null ? Map.of() : taskEnv);
    RESERVED.forEach(env::remove);
    env.putAll(of(id));
    if (resultFile != null) env.put(RESULT_FILE, resultFile);
    if (spawnFile != null) env.put(SPAWN_FILE, spawnFile);
    return env;
  }
}
