package dev.weft.executor.process;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts each process task from the JVM under {@link ChildLauncher}'s guard, with two threads reading its output:
 * what the process executor does on a host with neither {@code python3} nor {@code perl}, where {@link ForkServer}
 * cannot run. It costs about four execs a task more than the fork server, and its tasks die with the executor only
 * where util-linux is installed.
 */
final class GuardedLauncher implements TaskLauncher {
  /** After the process exits, how long to wait for its pipes to drain; a background child may hold them open. */
  private static final Duration DRAIN_AFTER_EXIT = Duration.ofSeconds(1);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "weft-process-output-" + THREADS.incrementAndGet());
    t.setDaemon(true);
    return t;
  });
  private final Set<Process> running = ConcurrentHashMap.newKeySet();

  @Override
  public TaskProcess start(TaskLaunch launch, OutputTail tail) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(launch.argv()).directory(launch.workdir().toFile());
    pb.environment().clear();
    pb.environment().putAll(launch.environment());
    // No stdin: a task that reads it sees end-of-file at once instead of hanging on a pipe nobody writes.
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process = ChildLauncher.start(pb, launch.user());
    running.add(process);
    CompletableFuture<Void> stdout = CompletableFuture.runAsync(() -> tail.pump(process.getInputStream(), false), threads);
    CompletableFuture<Void> stderr = CompletableFuture.runAsync(() -> tail.pump(process.getErrorStream(), true), threads);
    CompletableFuture<Integer> exit = process.onExit().thenApplyAsync(p -> {
      long deadline = System.nanoTime() + DRAIN_AFTER_EXIT.toNanos();
      for (CompletableFuture<Void> pump : List.of(stdout, stderr)) {
        try {
          pump.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (Exception e) {
          // Drained as far as it could be; the tail holds what was read.
        }
      }
      running.remove(p);
      return p.exitValue();
    }, threads);
    return new TaskProcess() {
      @Override
      public long pid() {
        return process.pid();
      }

      @Override
      public Optional<ProcessHandle> handle() {
        return process.isAlive() ? Optional.of(process.toHandle()) : Optional.empty();
      }

      @Override
      public CompletableFuture<Integer> exit() {
        return exit;
      }
    };
  }

  /** Kills what still runs, as the fork server does when it is closed; the output threads end with their streams. */
  @Override
  public void close() {
    for (Process p : running) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
