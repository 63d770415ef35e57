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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * which win. The process is started by the executor's {@link ForkServer} (or, on a host with neither python3 nor
 * perl, under {@link ChildLauncher}'s guard: {@link GuardedLauncher}), so it and everything it starts die with the
 * executor even when the executor is killed with SIGKILL. The handle is the task's pid (the guard's, under a guard).
 *
 * <p>Output: stdout and stderr go into one bounded tail, interleaved line by line; the last stderr line goes into the
 * failure reason.
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
  /** Grace for leftovers of a previous incarnation: nobody waits for their output any more. */
  private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(2);
  /** Start times read back from /proc have jiffy precision; pid reuse within this window is not possible. */
  private static final Duration START_TIME_TOLERANCE = Duration.ofSeconds(1);

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final AtomicBoolean NO_FORK_SERVER_WARNED = new AtomicBoolean();
  private static final AtomicBoolean UNKNOWN_LAUNCHER_WARNED = new AtomicBoolean();
  /** The environment variable that overrides the choice of launcher (see {@link #defaultLauncher()}). */
  static final String LAUNCHER_SETTING = "WEFT_PROCESS_LAUNCHER";

  private final Path baseDir;
  private final ProcessPolicy policy;
  private final Optional<ProcessPolicy.UnixUser> user;
  private final PidFiles pidFiles;
  private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(daemon("weft-process-killer"));
  private final ExecutorService finisher = Executors.newCachedThreadPool(daemon("weft-process-finish"));
  private final ConcurrentMap<AttemptId, ProcessAttempt> running = new ConcurrentHashMap<>();
  private final TaskLauncher launcher;

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
    this(baseDir, stateDir, policy, defaultLauncher());
  }

  /** With the given launcher: tests run the backend on both. */
  ProcessBackend(Path baseDir, Path stateDir, ProcessPolicy policy, TaskLauncher launcher) {
    this.launcher = launcher;
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
    Path program;
    try {
      program = Executables.resolve(spec.argv().get(0), workdir);
    } catch (IOException e) {
      throw new LaunchException(FailureKind.LAUNCH_ERROR,
          "cannot start '" + spec.argv().get(0) + "' in " + workdir + ": " + startFailure(e), e);
    }
    Map<String, String> environment = new HashMap<>(System.getenv());
    environment.putAll(request.environment(spec.env()));
    ProcessAttempt attempt = new ProcessAttempt(request.id(), listener);
    TaskProcess process;
    try {
      process = launcher.start(new TaskLaunch(spec.argv(), program, workdir, environment, user), attempt.tail);
    } catch (IOException e) {
      throw new LaunchException(FailureKind.LAUNCH_ERROR,
          "cannot start '" + spec.argv().get(0) + "' in " + workdir + ": " + startFailure(e), e);
    }
    attempt.started(process);
    running.put(request.id(), attempt);
    Optional<ProcessHandle> handle = process.handle();
    if (pidFiles != null && handle.isPresent()) {
      try {
        pidFiles.write(request.id(), handle.get());
      } catch (IOException e) {
        // Running without a pid file only loses the leftover kill after a crash; not worth failing the task for.
        log.warn("attempt {}: cannot write pid file in {}: {}", request.id(), pidFiles.dir(), e.toString());
      }
    }
    process.exit().whenCompleteAsync((code, lost) -> attempt.exited(code, lost), finisher);
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

  /** How this backend starts its tasks: {@code fork server}, or {@code guard} where neither python3 nor perl is. */
  public String launcher() {
    return launcher instanceof ForkServer ? "fork server" : "guard";
  }

  /** Attempts launched by this backend that have not finished yet. */
  public int runningCount() {
    return running.size();
  }

  /**
   * Kills the processes still running (the runtime cancels them with their grace first, where it can) and stops the
   * killer thread. The finisher pool is left to empty itself (its idle threads end after a minute): the fork server
   * reports the end of the tasks it kills later, on its reader thread, and their outcomes still need a finisher.
   */
  @Override
  public void close() {
    launcher.close();
    killer.shutdown();
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

  /**
   * The fork server with the first helper whose interpreter is on the PATH, else the guard; {@code
   * WEFT_PROCESS_LAUNCHER} ({@code guard} or {@code perl}) chooses instead, to compare or should a helper misbehave.
   */
  private static TaskLauncher defaultLauncher() {
    String chosen = System.getenv().getOrDefault(LAUNCHER_SETTING, "");
    if (!chosen.isEmpty() && !chosen.equals("guard") && !chosen.equals("perl")
        && !UNKNOWN_LAUNCHER_WARNED.getAndSet(true)) {
      log.warn("{}={} is not a launcher this executor knows (guard, perl); it is ignored", LAUNCHER_SETTING, chosen);
    }
    if (chosen.equals("guard")) return new GuardedLauncher();
    boolean perl = chosen.equals("perl");
    Optional<ForkServer> forkServer = perl ? ForkServer.onThisHost(ForkServer.Helpers.PERL) : ForkServer.onThisHost();
    if (forkServer.isPresent()) return forkServer.get();
    if (!NO_FORK_SERVER_WARNED.getAndSet(true)) {
      log.warn("{}: the process executor starts each task from the JVM under a guard instead of through its fork "
          + "server, which costs about four execs more per task. Install {}.",
          perl ? "perl is asked for (" + LAUNCHER_SETTING + "=perl) but is not on the PATH"
              : "neither python3 (3.8 or later) nor perl is on the PATH",
          perl ? "perl (perl-base)" : "python3 or perl (perl-base)");
    }
    return new GuardedLauncher();
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
    private final AttemptListener listener;
    private final OutputTail tail = new OutputTail(Texts.MAX_LOG_TAIL_BYTES);
    private final AtomicReference<String> cancelReason = new AtomicReference<>();
    private volatile TaskProcess process;

    ProcessAttempt(AttemptId id, AttemptListener listener) {
      this.id = id;
      this.listener = listener;
    }

    void started(TaskProcess process) {
      this.process = process;
    }

    @Override
    public String handle() {
      return Long.toString(process.pid());
    }

    @Override
    public void cancel(Duration grace, String reason) {
      // A process that already exited ended by itself; its own exit code is the truth, not the cancel.
      Optional<ProcessHandle> handle = process.handle();
      if (process.exit().isDone() || handle.isEmpty()) return;
      if (!cancelReason.compareAndSet(null, reason == null ? "cancelled" : reason)) return;
      log.info("attempt {}: cancelling pid {} ({}), SIGKILL after {}", id, process.pid(), reason, grace);
      terminate(treeOf(handle.get()), grace);
    }

    @Override
    public String logTail() {
      return tail.tail();
    }

    /** @param lost why the launcher lost the process (then {@code code} is null) */
    void exited(Integer code, Throwable lost) {
      running.remove(id);
      if (pidFiles != null) pidFiles.delete(id);
      String out = tail.tail();
      String cancelled = cancelReason.get();
      AttemptOutcome outcome;
      if (lost != null) {
        Throwable why = lost instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : lost;
        outcome = AttemptOutcome.failure(FailureKind.LOST, null, "the process was lost: " + why.getMessage(), out);
      } else if (cancelled != null) {
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
