package dev.weft.tests;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code weft} command ({@code weft coordinator}, {@code weft executor NAME}, {@code weft dev ...}) running as its
 * own JVM on the built classpath ({@code cli/target/weft-cli.jar} and {@code cli/target/classpath.txt}, as the
 * {@code ./weft} launcher runs it), for tests that crash and stop services as an operator would.
 *
 * <p>The child is started directly as {@code java}, so {@link #pid()} is the JVM's own pid: {@link #kill()} sends
 * SIGKILL to exactly that process (not to a process group; the broker and registry of a killed {@code weft dev} stop
 * through their own watchdogs, a process executor's tasks keep running), and {@link #terminate} sends SIGTERM. It runs under {@code ParentWatchdog}, so it also ends when
 * the test JVM dies. Its output (stdout and stderr) goes to {@link #logFile()}; {@link #awaitLine} waits on it.
 *
 * <p>{@link #restart()} starts a new JVM with the same command line, hence the same instance id and state directory.
 */
public final class ServiceProcess {
  /** JVM flags for every service: a small heap, and C1 only, which warms up fastest on a small shared machine. */
  public static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
      "-Djava.awt.headless=true");
  private static final String MAIN = "dev.weft.cli.Weft";
  private static final String WATCHDOG = "dev.weft.embedded.ParentWatchdog";

  private final String name;
  private final List<String> args;
  private final java.util.Map<String, String> env;
  private final Path logFile;
  private final Process process;
  private final Instant startedAt;
  /** Held, never written: the child's watchdog ends it when this closes (or the test JVM dies). */
  private final OutputStream lifeline;

  private ServiceProcess(String name, List<String> args, java.util.Map<String, String> env, Path logFile,
      Process process, Instant startedAt) {
    this.name = name;
    this.args = List.copyOf(args);
    this.env = java.util.Map.copyOf(env);
    this.logFile = logFile;
    this.process = process;
    this.startedAt = startedAt;
    this.lifeline = process.getOutputStream();
  }

  /**
   * Starts {@code weft ARGS...} as a new JVM; its output is appended to {@code logFile}.
   *
   * @param name for messages, e.g. {@code coordinator-c1}
   */
  public static ServiceProcess start(String name, List<String> args, Path logFile) {
    return start(name, args, java.util.Map.of(), logFile);
  }

  /** Like {@link #start(String, List, Path)}, with these variables added to its environment (e.g. AWS endpoints). */
  public static ServiceProcess start(String name, List<String> args, java.util.Map<String, String> env, Path logFile) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(Paths.get(System.getProperty("java.home"), "bin", "java")
        .toString()));
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-cp");
    cmd.add(BuiltWeft.classpath());
    cmd.add(WATCHDOG);
    cmd.add(MAIN);
    cmd.addAll(args);
    try {
      Files.createDirectories(logFile.getParent());
      Files.writeString(logFile, "---- " + Instant.now() + " starting " + name + ": weft " + String.join(" ", args)
          + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      Instant t0 = Instant.now();
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      pb.environment().putAll(env);
      Process p = pb.start();
      return new ServiceProcess(name, args, env, logFile, p, t0);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name, e);
    }
  }

  /** A new JVM with the same command line and log file: the same instance id and state directory. */
  public ServiceProcess restart() {
    if (process.isAlive()) throw new IllegalStateException(name + " (pid " + pid() + ") is still running");
    return start(name, args, env, logFile);
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  /** When this JVM was spawned. */
  public Instant startedAt() {
    return startedAt;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return logFile;
  }

  /**
   * Waits until a line of this process's output (from this start on) matches {@code pattern}.
   *
   * @return the match, for its groups
   * @throws AssertionError when the process exits first or the timeout passes, with the end of its log
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Matcher> m = ownLines().stream().map(pattern::matcher).filter(Matcher::find).findFirst();
      if (m.isPresent()) return m.get();
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing /" + pattern + "/; its"
            + " log ends with:\n" + tail(40));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not print /" + pattern + "/ within " + timeout + "; its log ends with:\n"
            + tail(40));
      }
      Thread.sleep(50);
    }
  }

  /** The lines this start wrote (the log file may hold earlier starts too). */
  private List<String> ownLines() {
    List<String> all = lines();
    String header = "starting " + name + ":";
    int from = 0;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).startsWith("---- ") && all.get(i).contains(header)) from = i;
    }
    return all.subList(from, all.size());
  }

  private List<String> lines() {
    try {
      return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The last lines of the log, for failure messages. */
  public String tail(int n) {
    List<String> all = lines();
    return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
  }

  /**
   * SIGKILL to this JVM alone, as a crash: no shutdown hook runs. Waits until it is gone, and until the JVMs it had
   * started under {@code ParentWatchdog} (a {@code weft dev}'s broker and registry, which stop when their parent dies)
   * are gone too, so a restart finds their ports free. Other descendants (a process executor's tasks) are left
   * running, as a crash leaves them; the restarted executor deals with them.
   */
  public void kill() throws InterruptedException {
    List<ProcessHandle> watched = watchdogChildren();
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError(name + " survived SIGKILL for 30 s");
    awaitGone(watched, Duration.ofSeconds(60));
    closeLifeline();
  }

  /** The JVMs this one started through {@code ParentWatchdog} (the embedded broker and registry). */
  private List<ProcessHandle> watchdogChildren() {
    return process.descendants().filter(h -> h.info().commandLine().map(c -> c.contains(WATCHDOG)).orElse(false))
        .toList();
  }

  /**
   * SIGTERM, as an operator's stop, and waits up to {@code timeout} for the JVM (and what it started) to exit.
   *
   * @return how long the JVM took to exit
   * @throws AssertionError when it did not exit within the timeout (it is then killed)
   */
  public Duration terminate(Duration timeout) throws InterruptedException {
    List<ProcessHandle> children = watchdogChildren();
    long t0 = System.nanoTime();
    process.destroy();
    boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    if (!exited) {
      String log = tail(40);
      kill();
      throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM; its log ends with:\n" + log);
    }
    awaitGone(children, Duration.ofSeconds(60));
    closeLifeline();
    return took;
  }

  /** Stops the process if it still runs (SIGTERM, then SIGKILL after 30 s); for cleanup. */
  public void stopQuietly() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) kill();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    closeLifeline();
  }

  public int exitCode() {
    return process.exitValue();
  }

  private static void awaitGone(List<ProcessHandle> handles, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle h : handles) {
      while (h.isAlive()) {
        if (System.nanoTime() > deadline) {
          h.destroyForcibly();
          throw new AssertionError("process " + h.pid() + " (" + h.info().command().orElse("?") + ") did not exit"
              + " within " + timeout + " of its parent");
        }
        Thread.sleep(50);
      }
    }
  }

  private void closeLifeline() {
    try {
      lifeline.close();
    } catch (IOException e) {
      // The child is gone.
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
