package dev.weft.topics;

import java.util.List;

/**
 * Topic names, all under one configurable prefix (default {@code weft.}). Every topic the coordinator reads is keyed
 * by runId so one run lives in one partition; commands are keyed by {@code runId/taskId} to spread a wide run over
 * an executor group.
 */
public record Topics(String prefix) {
  public static final String DEFAULT_PREFIX = "weft.";
  public static final Topics DEFAULT = new Topics(DEFAULT_PREFIX);

  public String requests() {
    return prefix + "pipeline-requests";
  }

  public String taskEvents() {
    return prefix + "task-events";
  }

  public String runEvents() {
    return prefix + "run-events";
  }

  public String deadLetter() {
    return prefix + "dead-letter";
  }

  /** {@code commands.<executor>}: one topic per executor group. */
  public String commands(String executor) {
    return prefix + "commands." + executor;
  }

  /** Every topic for the given executors, for creating them. */
  public List<String> all(List<String> executors) {
    List<String> base = new java.util.ArrayList<>(List.of(requests(), taskEvents(), runEvents(), deadLetter()));
    for (String e : executors) base.add(commands(e));
    return base;
  }

  /**
   * The consumer group of executor {@code name}'s instances by default ({@code weft-executor-<name>}): the executors
   * join it, the coordinator names it when a task waits in its queue too long, the CLI asks whether it has members.
   */
  public static String executorGroup(String name) {
    return "weft-executor-" + name;
  }

  /**
   * The consumer group of executor {@code name}'s instances under these topics: {@link #executorGroup} for Weft's own
   * prefix (the name it always had), and {@code <prefix>executor-<name>} for another prefix, which is another Weft
   * with groups of its own.
   */
  public String executorGroupOf(String name) {
    return equals(DEFAULT) ? executorGroup(name) : prefix + "executor-" + name;
  }

  /** The key of a command: runId/taskId (task ids cannot contain '/'). */
  public static String commandKey(String runId, String taskId) {
    return runId + "/" + taskId;
  }
}
