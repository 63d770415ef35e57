package dev.weft.executor.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the executor's child processes (process tasks, local Spark drivers) so that they die with the executor.
 *
 * <p><b>Why.</b> An executor killed with SIGKILL (the OOM killer, {@code kill -9}, a node drain past its grace) runs
 * no shutdown hook. Its children would keep running, unseen, while the coordinator presumes their attempts lost and
 * starts new ones: the same task twice at once. Killing leftovers when the next instance starts (pid files, see
 * {@link ProcessBackend}) only helps if one starts on the same machine, and only then.
 *
 * <p><b>How.</b> Each child is started as {@code setpriv --pdeathsig SIGUSR2 -- sh -c GUARD ...}: the kernel sends
 * the guard shell SIGUSR2 when its parent dies, and the guard then SIGKILLs the task's whole process group (the task
 * runs under {@code setsid}, so it leads its own group and everything it starts belongs to it, unless it starts a
 * session of its own). A SIGTERM to the guard (cancel) is passed on to the whole group, and the guard exits with the
 * task's exit code, so for the caller the guard stands in for the task. The task's argv, environment, working
 * directory and pipes are the caller's {@link ProcessBuilder}'s.
 *
 * <p>The kernel sends the parent-death signal when the <em>thread</em> that forked the child ends, not the process.
 * So every child is forked on one launcher thread that lives as long as the JVM, never on a pool or loop thread that
 * may end while its children run.
 *
 * <p>A gap remains: if the executor dies between the fork and {@code setpriv}'s prctl, no signal comes. The guard
 * closes most of it by exiting at once when its parent is not the executor any more, and the leftover kill at the next
 * start covers the rest. Where {@code setpriv} or {@code setsid} is missing (not Linux, util-linux not installed),
 * children start unguarded and a warning says so once.
 */
public final class ChildLauncher {
  /** The signal the guard receives when the executor dies; not TERM, which means "cancel, with a grace period". */
  static final String DEATH_SIGNAL = "USR2";

  /**
   * $1 is the executor's pid, then the task's argv. Traps come first, so that no signal arrives unhandled. {@code wait}
   * returns early when a trapped signal arrives, so it is repeated until the task has really exited.
   *
   * <p>The death signal can arrive at any point, and each has its race, all seen under load (the chaos test):
   * before the task is forked (then the guard must not start it), between the fork and {@code child=$!} (the trap
   * does not know the child yet: it only marks the death, and the guard kills the child once it knows it), and
   * between the fork and the child's {@code setsid} (the group does not exist yet: {@code stop} signals the child's
   * pid when there is no group).
   *
   * <p>A cancel's SIGTERM has the same windows: before the fork the guard exits as the signal would have made it (the
   * task never starts), and between the fork and {@code child=$!} it is marked and passed on once the child is known.
   * Before, it was dropped there and the task ran until the cancel's grace ran out (a ProcessBackendTest run on the
   * guard caught it).
   *
   * <p>One more window: a SIGTERM sent before the task's group exists goes to the child's pid, and until the child
   * execs, the child is a fork of this shell whose copy of the TERM trap takes the signal and then drops it (the fork
   * clears its traps before it runs one). The same holds for the executor's own SIGTERM to every process of the tree.
   * So a SIGTERM that could only be sent to the pid ({@code unsure}) is sent again to the group once the group exists
   * (the task has then been exec'd, and gets it once: no SIGTERM sent before its group existed reached it), or after
   * a second if it never does (the child died before {@code setsid}). Seen under load, where the task then ran until
   * the cancel's grace ran out (2026-12-03).
   */
  static final String GUARD = String.join("\n",
      "executor=$1; shift",
      "child=; dead=; termed=; unsure=",
      "stop() { kill -s \"$1\" -- -\"$child\" 2>/dev/null || { unsure=1; kill -s \"$1\" \"$child\" 2>/dev/null; }; }",
      "trap 'dead=1; [ -z \"$child\" ] || { stop KILL; exit 137; }' " + DEATH_SIGNAL,
      "trap 'termed=1; [ -z \"$child\" ] || stop TERM' TERM",
      "[ \"$PPID\" = \"$executor\" ] || exit 137",
      "[ -z \"$dead\" ] || exit 137",
      "[ -z \"$termed\" ] || exit 143",
      "%SETSID% \"$@\" &",
      "child=$!",
      "if [ -n \"$dead\" ]; then stop KILL; exit 137; fi",
      "if [ -n \"$termed\" ]; then stop TERM; fi",
      "while :; do",
      "  if [ -n \"$termed\" ] && [ -n \"$unsure\" ]; then",
      "    n=0",
      "    while [ $n -lt 100 ] && ! kill -0 -- -\"$child\" 2>/dev/null; do %SLEEP% 0.01; n=$((n + 1)); done",
      "    unsure=",
      "    kill -s TERM -- -\"$child\" 2>/dev/null",
      "  fi",
      "  wait \"$child\"",
      "  code=$?",
      "  kill -0 \"$child\" 2>/dev/null || exit \"$code\"",
      "done");

  private static final Logger log = LoggerFactory.getLogger(ChildLauncher.class);
  private static final Optional<Tools> TOOLS = Tools.find();
  /** One thread for the life of the JVM: children die when the thread that forked them ends (see the class comment). */
  private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "weft-child-launcher");
    t.setDaemon(true);
    return t;
  });

  private ChildLauncher() {}

  /** Whether children are guarded here ({@code setpriv}, {@code setsid} and {@code sh} were found). */
  public static boolean guarded() {
    return TOOLS.isPresent();
  }

  /**
   * Starts {@code builder}'s command guarded (see the class comment) on the launcher thread.
   *
   * @return the guard process, which stands in for the task: its pid leads the task's tree, its exit code is the
   *     task's, its pipes are the task's
   * @throws IOException as {@link ProcessBuilder#start()} would, including for a program that is not found
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    return start(builder, Optional.empty());
  }

  /**
   * Starts {@code builder}'s command guarded, as {@code user} when given: {@code setpriv} switches to it (and drops
   * every supplementary group) before the guard runs, and sets the death signal after the switch, which would
   * otherwise clear it.
   *
   * @throws IOException also when a user is asked for and {@code setpriv} is missing: the task must not run as the
   *     executor's user instead
   */
  public static Process start(ProcessBuilder builder, Optional<ProcessPolicy.UnixUser> user) throws IOException {
    ProcessBuilder toStart = builder;
    if (user.isPresent() && TOOLS.isEmpty()) {
      throw new IOException("the executor's policy runs tasks as uid " + user.get().uid() + ", which needs setpriv "
          + "(util-linux) on PATH");
    }
    if (TOOLS.isPresent()) {
      List<String> argv = builder.command();
      // The guard always starts; a missing program would only show as exit code 127. Fail as the JDK would instead.
      Executables.resolve(argv.get(0), builder.directory() == null ? null : builder.directory().toPath());
      List<String> guarded = new ArrayList<>(TOOLS.get().prefix(user));
      guarded.add(Long.toString(ProcessHandle.current().pid()));
      guarded.addAll(argv);
      toStart = copy(builder, guarded);
    }
    ProcessBuilder b = toStart;
    Future<Process> started = LAUNCHER.submit(b::start);
    try {
      return started.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) throw io;
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // The launch may still happen; the caller sees a failure and the leftover kill at the next start is the net.
      throw new IOException("interrupted while starting " + builder.command().get(0), e);
    }
  }

  private static ProcessBuilder copy(ProcessBuilder from, List<String> command) {
    ProcessBuilder to = new ProcessBuilder(command)
        .directory(from.directory())
        .redirectInput(from.redirectInput())
        .redirectOutput(from.redirectOutput())
        .redirectError(from.redirectError())
        .redirectErrorStream(from.redirectErrorStream());
    to.environment().clear();
    to.environment().putAll(from.environment());
    return to;
  }

  /** Absolute paths of the tools, so a task's own PATH can never hide them. */
  private record Tools(Path setpriv, Path setsid, Path sh, Path sleep) {
    static Optional<Tools> find() {
      Optional<Path> setpriv = onPath("setpriv");
      Optional<Path> setsid = onPath("setsid");
      Optional<Path> sh = Files.isExecutable(Path.of("/bin/sh")) ? Optional.of(Path.of("/bin/sh")) : onPath("sh");
      Optional<Path> sleep = onPath("sleep");
      if (setpriv.isEmpty() || setsid.isEmpty() || sh.isEmpty() || sleep.isEmpty()) {
        log.warn("setpriv or setsid (util-linux), or sleep (coreutils) not found on PATH: child processes will NOT "
            + "die with the executor if it is killed; only the leftover kill at the next start stops them. Install "
            + "util-linux and coreutils.");
        return Optional.empty();
      }
      return Optional.of(new Tools(setpriv.get(), setsid.get(), sh.get(), sleep.get()));
    }

    List<String> prefix(Optional<ProcessPolicy.UnixUser> user) {
      List<String> prefix = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig", DEATH_SIGNAL));
      user.ifPresent(u -> prefix.addAll(List.of("--reuid=" + u.uid(), "--regid=" + u.gid(), "--clear-groups")));
      String guard = GUARD.replace("%SETSID%", setsid.toString()).replace("%SLEEP%", sleep.toString());
      prefix.addAll(List.of("--", sh.toString(), "-c", guard, "weft-guard"));
      return prefix;
    }

    private static Optional<Path> onPath(String name) {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
        if (dir.isEmpty()) continue;
        Path p = Path.of(dir, name);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
      }
      return Optional.empty();
    }
  }
}
