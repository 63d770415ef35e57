package dev.weft.executor.process;

import java.io.IOException;

/**
 * Starts process tasks so that they die with the executor, and reads their output into a tail.
 * {@link ForkServer} is the one used; {@link GuardedLauncher} stands in where neither {@code python3} nor {@code perl}
 * is installed.
 */
interface TaskLauncher extends AutoCloseable {
  /**
   * @throws IOException when the task could not be started; the message says why
   */
  TaskProcess start(TaskLaunch launch, OutputTail tail) throws IOException;

  /** Stops the launcher; what it started and is still running is killed (the executor is going away). */
  @Override
  void close();
}
