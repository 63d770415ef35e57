package dev.weft.executor.process;

import dev.weft.avro.FailureKind;
import dev.weft.executor.Texts;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.backend.TaskEnvironment;
import dev.weft.spec.ProcessSpec;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code process} executor: runs a task's {@code process.argv} as a local subprocess, exactly as given (no shell
 * unless argv asks for one), with {@code process.env} added to the executor's own environment and
 * {@code process.workdir} as working directory (relative to this backend's base directory).
 *
 * <p>The task's environment is the executor's, then {@code process.env}, then {@link TaskEnvironment}'s variables,
 * which win. The process is started by {@link ChildLauncher}, so it and everything it starts die with the executor
 * even when the executor is killed with SIGKILL. The handle is the pid of the launcher's guard, the parent of the task.
 *
 * <p>Output: stdout and stderr are read on two threads per process into one bounded tail, interleaved line by line;
 * the last stderr line goes into the failure reason.
 *
 * <p>Cancel sends SIGTERM to the whole process tree (the process and every descendant, so the children of a
 * {@code sh -c} die too) and SIGKILL to whatever is still alive after the grace period.
 *
 * <p>Restarts: a plain process cannot be adopted by a new executor JVM, because only a process's parent can learn its
 * exit code. So {@link #findRunning()} adopts nothing. Instead, when a state directory is given, each running attempt
 * has a pid file there, and {@link #findRunning()} (which the runtime calls once at start) kills the leftovers of a
 * previous incarnation first, checking each pid's start time so that a reused pid is never killed. The coordinator
 * presumes those attempts lost when their heartbeats stop and starts new attempts, which then do not race with the
 * old processes.
 */
public final class ProcessBackend implements ExecutorBackend {
  public static final String NAME = "process";

  private static final Logger log = LoggerFactory.getLogger(ProcessBackend.class);
  /** After the process exits, how long to wait for its pipes to drain; a background child may hold them open. */
  private static final Duration DRAIN_AFTER_EXIT = Duration.ofSeconds(1);
  /** Grace for leftovers of a previous incarnation: nobody waits for their output any more. */
  private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(2);
  /** Start times read back from /proc have jiffy precision; pid reuse within this window is not possible. */
  private static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final Path baseDir;
  private final ProcessPolicy policy;
  private final Optional<ProcessPolicy.UnixUser> user;
  private final PidFiles pidFiles;
  private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(daemon("weft-process-killer"));
  private final ExecutorService finisher = Executors.newCachedThreadPool(daemon("weft-process-finish"));
  private final ConcurrentMap<AttemptId, ProcessAttempt> running = new ConcurrentHashMap<>();

  /** Working directories relative to the current directory, no pid files. */
  public ProcessBackend() {
    this(Path.of("").toAbsolutePath(), null);
  }

  /**
   * @param baseDir  what a relative {@code process.workdir} resolves against
   * @param stateDir where pid files go, for killing leftovers after a restart; null for none
   * @throws IllegalArgumentException when the state directory cannot be created
   */
  public ProcessBackend(Path baseDir, Path stateDir) {
    this(baseDir, stateDir, ProcessPolicy.localDefault());
  }

  /**
   * @param policy what requests may ask of this executor (see {@link ProcessPolicy})
   * @throws IllegalArgumentException also when the policy's {@code runAs} names no user of this host
   */
  public ProcessBackend(Path baseDir, Path stateDir, ProcessPolicy policy) {
    this.policy = policy;
    this.user = policy.user();
    this.baseDir = baseDir.toAbsolutePath().normalize();
    try {
      this.pidFiles = stateDir == null ? null : new PidFiles(stateDir);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create the process backend's state directory " + stateDir + ": " + e, e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  /** A local process sees this host's files: {@code $WEFT_RESULT_FILE} and {@code $WEFT_SPAWN_FILE} are host paths. */
  @Override
  public boolean takesAttemptFiles() {
    return true;
  }

  @Override
  public RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException {
    ProcessSpec spec = request.task().process();
    if (spec == null || spec.argv().isEmpty()) {
      throw new LaunchException(FailureKind.INVALID_SPEC,
          "task '" + request.task().id() + "' runs on executor 'process' but has no process.argv; add e.g. "
              + "process: {argv: [\"sh\", \"-c\", \"...\"]}");
    }
    Path workdir = spec.workdir() == null || spec.workdir().isBlank() ? baseDir : baseDir.resolve(spec.workdir()).normalize();
    if (!Files.isDirectory(workdir)) {
      throw new LaunchException(FailureKind.INVALID_SPEC,
          "task '" + request.task().id() + "': process.workdir " + workdir + " is not an existing directory");
    }
    policy.checkWorkdir(workdir);
    ProcessBuilder pb = new ProcessBuilder(spec.argv()).directory(workdir.toFile());
    pb.environment().putAll(request.environment(spec.env()));
    // No stdin: a task that reads it sees end-of-file at once instead of hanging on a pipe nobody writes.
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process;
    try {
      process = ChildLauncher.start(pb, user);
    } catch (IOException e) {
      throw new LaunchException(FailureKind.LAUNCH_ERROR,
          "cannot start '" + spec.argv().get(0) + "' in " + workdir + ": " + startFailure(e), e);
    }
    ProcessAttempt attempt = new ProcessAttempt(request.id(), process, listener);
    running.put(request.id(), attempt);
    if (pidFiles != null) {
      try {
        pidFiles.write(request.id(), process.toHandle());
      } catch (IOException e) {
        // Running without a pid file only loses the leftover kill after a crash; not worth failing the task for.
        log.warn("attempt {}: cannot write pid file in {}: {}", request.id(), pidFiles.dir(), e.toString());
      }
    }
    attempt.startPumps();
    process.onExit().thenRunAsync(attempt::exited, finisher);
    log.debug("attempt {} started as pid {}: {}", request.id(), process.pid(), spec.argv());
    return attempt;
  }

  /** Kills leftovers of a previous incarnation (see the class comment) and returns nothing to adopt. */
  @Override
  public List<AttemptId> findRunning() {
    killLeftovers();
    return List.of();
  }

  /**
   * Kills the process trees named by pid files of a previous incarnation whose pid still belongs to the same process
   * (same start time), and deletes every pid file that is not one of this incarnation's running attempts.
   *
   * @return the attempts whose processes were found alive and killed
   */
  public List<AttemptId> killLeftovers() {
    if (pidFiles == null) return List.of();
    List<AttemptId> killed = new ArrayList<>();
    List<PidFiles.Entry> entries;
    try {
      entries = pidFiles.list();
    } catch (IOException e) {
      log.warn("cannot list pid files in {}: {}; leftovers of a previous run are not killed", pidFiles.dir(), e.toString());
      return List.of();
    }
    List<ProcessHandle> tree = new ArrayList<>();
    for (PidFiles.Entry e : entries) {
      if (running.containsKey(e.attempt())) continue;
      ProcessHandle.of(e.pid()).filter(ProcessHandle::isAlive).ifPresent(h -> {
        Instant started = h.info().startInstant().orElse(null);
        if (started != null && Duration.between(started, e.startedAt()).abs().compareTo(START_TIME_TOLERANCE) <= 0) {
          log.warn("killing leftover pid {} of attempt {} from a previous executor run", e.pid(), e.attempt());
          tree.addAll(treeOf(h));
          killed.add(e.attempt());
        } else {
          log.info("pid {} of attempt {} now belongs to another process (started {}, expected {}); not killed",
              e.pid(), e.attempt(), started, e.startedAt());
        }
      });
      try {
        Files.deleteIfExists(e.file());
      } catch (IOException ex) {
        log.warn("cannot delete pid file {}: {}", e.file(), ex.toString());
      }
    }
    terminate(tree, LEFTOVER_GRACE);
    return killed;
  }

  /** Attempts launched by this backend that have not finished yet. */
  public int runningCount() {
    return running.size();
  }

  /** Leaves running processes alone (the runtime decides whether to cancel them first) and stops helper threads. */
  @Override
  public void close() {
    killer.shutdown();
    finisher.shutdown();
  }

  /** SIGTERM to every process of the tree now, SIGKILL to the survivors (and their new children) after the grace. */
  private void terminate(List<ProcessHandle> tree, Duration grace) {
    if (tree.isEmpty()) return;
    tree.forEach(ProcessHandle::destroy);
    Runnable forceKill = () -> {
      List<ProcessHandle> all = new ArrayList<>(tree);
      for (ProcessHandle h : tree) if (h.isAlive()) h.descendants().forEach(all::add);
      for (ProcessHandle h : all) {
        if (h.isAlive()) {
          log.info("pid {} still alive after {} grace; sending SIGKILL", h.pid(), grace);
          h.destroyForcibly();
        }
      }
    };
    if (killer.isShutdown()) {
      forceKill.run();
    } else {
      killer.schedule(forceKill, grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** The process and its descendants, listed before any is signalled: children are re-parented once their parent dies. */
  private static List<ProcessHandle> treeOf(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    return tree;
  }

  private static String startFailure(IOException e) {
    // The JDK says 'Cannot run program "x" (in directory "y"): error=2, No such file or directory'; keep the cause.
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    int i = m.indexOf("error=");
    if (i >= 0) {
      int comma = m.indexOf(", ", i);
      if (comma >= 0) return m.substring(comma + 2);
    }
    return m;
  }

  private static ThreadFactory daemon(String prefix) {
    return r -> {
      Thread t = new Thread(r, prefix + "-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private final class ProcessAttempt implements RunningAttempt {
    private final AttemptId id;
    private final Process process;
    private final AttemptListener listener;
    private final OutputTail tail = new OutputTail(Texts.MAX_LOG_TAIL_BYTES);
    private final AtomicReference<String> cancelReason = new AtomicReference<>();
    private Thread stdout;
    private Thread stderr;

    ProcessAttempt(AttemptId id, Process process, AttemptListener listener) {
      this.id = id;
      this.process = process;
      this.listener = listener;
    }

    void startPumps() {
      stdout = daemon("weft-process-" + process.pid() + "-out").newThread(() -> tail.pump(process.getInputStream(), false));
      stderr = daemon("weft-process-" + process.pid() + "-err").newThread(() -> tail.pump(process.getErrorStream(), true));
      stdout.start();
      stderr.start();
    }

    @Override
    public String handle() {
      return Long.toString(process.pid());
    }

    @Override
    public void cancel(Duration grace, String reason) {
      // A process that already exited ended by itself; its own exit code is the truth, not the cancel.
      if (!process.isAlive()) return;
      if (!cancelReason.compareAndSet(null, reason == null ? "cancelled" : reason)) return;
      log.info("attempt {}: cancelling pid {} ({}), SIGKILL after {}", id, process.pid(), reason, grace);
      terminate(treeOf(process.toHandle()), grace);
    }

    @Override
    public String logTail() {
      return tail.tail();
    }

    void exited() {
      long deadline = System.nanoTime() + DRAIN_AFTER_EXIT.toNanos();
      try {
        for (Thread t : List.of(stdout, stderr)) {
          long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
          if (left > 0) t.join(left);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      running.remove(id);
      if (pidFiles != null) pidFiles.delete(id);
      int code = process.exitValue();
      String out = tail.tail();
      String cancelled = cancelReason.get();
      AttemptOutcome outcome;
      if (cancelled != null) {
        // Cancelled work is reported as cancelled whatever its exit code: a process that traps SIGTERM and exits 0
        // has not finished its job.
        outcome = AttemptOutcome.failure(FailureKind.CANCELLED, code, "cancelled: " + cancelled, out);
      } else if (code == 0) {
        outcome = AttemptOutcome.success(0, out);
      } else {
        String last = tail.lastLine();
        outcome = AttemptOutcome.failure(FailureKind.EXIT_CODE, code,
            "exit code " + code + (last == null ? "" : "; last line: " + last), out);
      }
      log.debug("attempt {} (pid {}) exited with {}", id, process.pid(), code);
      listener.finished(outcome);
    }
  }
}
