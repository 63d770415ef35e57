package dev.weft.client;

/** Progress of a run while a client awaits it. Every method has a no-op default. */
public interface RunListener {
  RunListener NONE = new RunListener() {};

  default void accepted(String runId, int taskCount, boolean existing) {}

  default void taskFinished(TaskResult task, int finished, int total) {}
}
