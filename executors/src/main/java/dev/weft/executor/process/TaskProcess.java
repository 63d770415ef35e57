package dev.weft.executor.process;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A started process task, as a {@link TaskLauncher} hands it over: whom to signal, and its end. */
interface TaskProcess {
  /** The pid that leads the task's process tree: the attempt's handle, and what a cancel signals with its descendants. */
  long pid();

  /** The process while it lives (or is not reaped yet), with its start time, so that a reused pid is never signalled. */
  Optional<ProcessHandle> handle();

  /**
   * Completes with the exit code (128 + n for a signal n) once the process exited and its output was read into the
   * tail, or a short drain after its exit ran out; exceptionally when the launcher lost the process (see
   * {@link ForkServer}).
   */
  CompletableFuture<Integer> exit();
}
