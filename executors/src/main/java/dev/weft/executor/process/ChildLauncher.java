package dev.weft.executor.process;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
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
 * <p><b>How.</b> Every child gets {@value #MARK}{@code =<this JVM's token>} in its environment, which everything it
 * starts inherits, and runs under {@code setsid}, so it leads a process group of its own. One <em>watchdog</em> shell
 * per JVM, started with the first child in a session of its own and deaf to terminal signals, reads a pipe whose only
 * writer is this JVM and never writes to it. When the JVM dies, however it dies, the kernel closes the pipe; the
 * watchdog reads end-of-file and SIGKILLs every process whose environment holds the token, and each one's process
 * group, pass after pass until none has been found for three seconds (a process forking while it is killed, or one
 * the JVM was starting as it died, is caught by a later pass).
 * Nothing of this is on a child's own path: the child is {@code setsid argv}, one exec more than the task itself.
 *
 * <p>Until 2026-12-02 (commit 6900651 and before) each child ran under a guard of its own ({@code setpriv
 * --pdeathsig} and a guard shell), four execs and a fork more per task: the process executor ran {@code true} at a
 * fifth of the rate this JVM forks it. The watchdog also closes that design's gaps: a child forked just as the executor died (no
 * parent-death signal yet) and a descendant that starts a session of its own both keep the token.
 *
 * <p>What still escapes: a descendant that clears its environment <em>and</em> leaves the process group (a daemon
 * started with {@code env -i setsid ...}); the leftover kill at the next start covers the task's root. Where
 * {@code setsid}, {@code sh} or {@code grep} is missing, children start unguarded and a warning says so once.
 */
public final class ChildLauncher {
  /** The environment variable that marks this JVM's children and everything they start. */
  public static final String MARK = "WEFT_EXECUTOR_CHILD_OF";

  /**
   * $1 is {@code MARK=token}. It waits for end-of-file on stdin (the JVM died or closed it), then kills every marked
   * process and its group, and keeps looking until nothing was found for three seconds: a child the JVM was starting
   * when it died is still its spawn helper, without the token, until it execs (a chaos run caught one that started
   * its task after the scan had found nothing). {@code grep -z -x -F} matches one whole environment entry; the
   * watchdog's own environment and grep's do not hold the token. At most 100 passes, so that the watchdog ends.
   */
  static final String WATCHDOG = String.join("\n",
      "trap '' INT TERM HUP QUIT PIPE",
      "mark=$1",
      "while read -r _; do :; done",
      "pass=0; quiet=0",
      "while [ $pass -lt 100 ] && [ $quiet -lt 15 ]; do",
      "  pass=$((pass + 1)); found=",
      "  for f in $(%GREP% -lszxF \"$mark\" /proc/[0-9]*/environ); do",
      "    p=${f#/proc/}; p=${p%/environ}; found=1",
      "    kill -s KILL -- -\"$p\" 2>/dev/null; kill -s KILL \"$p\" 2>/dev/null",
      "  done",
      "  if [ -n \"$found\" ]; then quiet=0; else quiet=$((quiet + 1)); sleep 0.2; fi",
      "done");

  private static final Logger log = LoggerFactory.getLogger(ChildLauncher.class);
  private static final Optional<Tools> TOOLS = Tools.find();
  /** Unique to this JVM incarnation: a later executor with the same pid must not be confused with this one. */
  private static final String TOKEN = ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(randomBytes());
  /** Its stdin's write end stays open, never written, for the life of the JVM: the Process object holds it. */
  private static Process watchdog;

  private ChildLauncher() {}

  /** Whether children are guarded here ({@code setsid}, {@code sh} and {@code grep} were found). */
  public static boolean guarded() {
    return TOOLS.isPresent();
  }

  /**
   * Starts {@code builder}'s command guarded (see the class comment), on the calling thread.
   *
   * @return the task's own process (under {@code setsid}, which execs without forking): its pid leads the task's
   *     process group, its exit code and pipes are the task's
   * @throws IOException as {@link ProcessBuilder#start()} would, including for a program that is not found
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    return start(builder, Optional.empty());
  }

  /**
   * Starts {@code builder}'s command guarded, as {@code user} when given: {@code setpriv} switches to it (and drops
   * every supplementary group) before {@code setsid} runs.
   *
   * @throws IOException also when a user is asked for and {@code setpriv} is missing: the task must not run as the
   *     executor's user instead
   */
  public static Process start(ProcessBuilder builder, Optional<ProcessPolicy.UnixUser> user) throws IOException {
    if (user.isPresent() && (TOOLS.isEmpty() || TOOLS.get().setpriv().isEmpty())) {
      throw new IOException("the executor's policy runs tasks as uid " + user.get().uid() + ", which needs setpriv "
          + "(util-linux) on PATH");
    }
    if (TOOLS.isEmpty()) return builder.start();
    List<String> argv = builder.command();
    // setsid would start and exit 127 for a missing program. Fail as the JDK would instead.
    requireExecutable(argv.get(0), builder.directory());
    ensureWatchdog(TOOLS.get());
    List<String> guarded = new ArrayList<>(TOOLS.get().prefix(user));
    guarded.addAll(argv);
    ProcessBuilder b = copy(builder, guarded);
    b.environment().put(MARK, TOKEN);
    return b.start();
  }

  /**
   * Sends {@code signal} (TERM, KILL) to the process group a child leads. Java signals single pids only, so this runs
   * the shell's {@code kill} once; for cancels, which are rare.
   */
  static void signalGroup(long leader, String signal) {
    if (TOOLS.isEmpty()) return;
    try {
      Process kill = new ProcessBuilder(TOOLS.get().sh().toString(), "-c", "kill -s \"$0\" -- -\"$1\" 2>/dev/null",
          signal, Long.toString(leader)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      kill.waitFor();
    } catch (IOException e) {
      log.warn("cannot signal process group {} with {}: {}", leader, signal, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Starts the watchdog if it is not running: first use, or someone killed it (then a warning: a gap closed late). */
  private static synchronized void ensureWatchdog(Tools tools) throws IOException {
    if (watchdog != null && watchdog.isAlive()) return;
    if (watchdog != null) {
      log.warn("the child watchdog (pid {}) died with exit code {}; starting a new one. Children started meanwhile "
          + "were not guarded against this executor's death", watchdog.pid(), watchdog.exitValue());
    }
    ProcessBuilder b = new ProcessBuilder(tools.setsid().toString(), tools.sh().toString(), "-c",
        WATCHDOG.replace("%GREP%", tools.grep().toString()), "weft-watchdog", MARK + "=" + TOKEN)
        // Neither of the JVM's output streams: the watchdog outlives the JVM by seconds, and would hold a pipe that a
        // reader of the JVM's output (weft run | ..., a test) waits on for end-of-file.
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    b.environment().remove(MARK); // an executor started by another's task must not be killed by its own watchdog
    watchdog = b.start();
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

  /** The JDK's own check and message ({@code error=2, No such file or directory}), made before setsid starts. */
  private static void requireExecutable(String program, File directory) throws IOException {
    String where = directory == null ? "" : " (in directory \"" + directory + "\")";
    Path found = null;
    if (program.contains("/")) {
      Path p = Path.of(program);
      if (!p.isAbsolute() && directory != null) p = directory.toPath().resolve(p);
      if (Files.exists(p)) found = p;
    } else {
      // The JDK searches the executor's own PATH, not the child's environment; so does this.
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
        Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          found = p;
          break;
        }
        if (found == null && Files.exists(p)) found = p;
      }
    }
    if (found == null) {
      throw new IOException("Cannot run program \"" + program + "\"" + where + ": error=2, No such file or directory");
    }
    if (Files.isDirectory(found) || !Files.isExecutable(found)) {
      throw new IOException("Cannot run program \"" + program + "\"" + where + ": error=13, Permission denied");
    }
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    new SecureRandom().nextBytes(b);
    return b;
  }

  /** Absolute paths of the tools, so a task's own PATH can never hide them; setpriv only for running as a user. */
  private record Tools(Path setsid, Path sh, Path grep, Optional<Path> setpriv) {
    static Optional<Tools> find() {
      Optional<Path> setsid = onPath("setsid");
      Optional<Path> sh = Files.isExecutable(Path.of("/bin/sh")) ? Optional.of(Path.of("/bin/sh")) : onPath("sh");
      Optional<Path> grep = onPath("grep");
      if (setsid.isEmpty() || sh.isEmpty() || grep.isEmpty()) {
        log.warn("setsid (util-linux), sh or grep not found on PATH: child processes will NOT die with the executor "
            + "if it is killed; only the leftover kill at the next start stops them. Install util-linux and grep.");
        return Optional.empty();
      }
      return Optional.of(new Tools(setsid.get(), sh.get(), grep.get(), onPath("setpriv")));
    }

    List<String> prefix(Optional<ProcessPolicy.UnixUser> user) {
      List<String> prefix = new ArrayList<>();
      user.ifPresent(u -> prefix.addAll(List.of(setpriv.orElseThrow().toString(), "--reuid=" + u.uid(),
          "--regid=" + u.gid(), "--clear-groups", "--")));
      prefix.add(setsid.toString());
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
