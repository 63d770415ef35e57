package dev.weft.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM, started through {@link ParentWatchdog} with the same java binary as this JVM, its output appended to a
 * log file. When this JVM dies in any way, the watchdog stops the child; when it exits normally, a shutdown hook makes
 * sure the child is gone before it does.
 *
 * <p>That hook is a last resort, not the way children stop. Shutdown hooks run all at once, and the child's owner
 * usually has its own (a SIGTERM to {@code weft dev} closes the stack in one): the executors and the coordinator
 * close first, and need the broker while they do (last events, the last commit, leaving their groups). A hook that
 * killed the broker at once cut them off: each waited out its close timeout, and the broker, killed rather than
 * stopped, kept them as group members until their sessions expired, so the next start waited too (`weft dev` took
 * 33 s to stop and its next start 45 s to run anything). So the hook first gives the owner {@link #OWNER_GRACE_MS}
 * to stop the child in order, then asks the child to stop itself (closing its lifeline), and kills it only if that
 * fails too.
 */
final class ChildJvm {
  /** How long the shutdown hook leaves the child to its owner: above the owner's own clean stop, under 10 s. */
  private static final long OWNER_GRACE_MS = 8_000;
  private static final long SELF_STOP_MS = 5_000;

  private final String name;
  private final Process process;
  private final Path logFile;
  private final Thread shutdownHook;
  // Held, never written: closing it (or this JVM dying) tells the child's watchdog to exit.
  private final OutputStream lifeline;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.lifeline = process.getOutputStream();
    this.shutdownHook = new Thread(this::stopAtExit, "weft-stop-" + name);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  private void stopAtExit() {
    try {
      if (process.waitFor(OWNER_GRACE_MS, TimeUnit.MILLISECONDS)) return;
      closeLifeline();
      if (process.waitFor(SELF_STOP_MS, TimeUnit.MILLISECONDS)) return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process.destroyForcibly();
  }

  static ChildJvm launch(String name, List<String> jvmArgs, String classpath, String mainClass, List<String> args,
      Map<String, String> env, Path logFile) {
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(ParentWatchdog.class.getName());
    cmd.add(mainClass);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().putAll(env);
    try {
      Files.writeString(logFile, "---- " + java.time.Instant.now() + " starting " + name + "\n",
          StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      return new ChildJvm(name, pb.start(), logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + " (" + String.join(" ", cmd.subList(0, 1)) + "): "
          + e.getMessage(), e);
    }
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** @return the exit code, or -1 if it did not exit within the timeout */
  int waitFor(long timeoutMs) throws InterruptedException {
    return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** SIGTERM, so the child shuts down cleanly; SIGKILL if it has not exited within the grace period. */
  void stop(long graceMs) {
    process.destroy();
    try {
      if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    release();
  }

  /** SIGKILL: no shutdown hooks, no clean close — a crash, for failure tests. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    release();
  }

  private void release() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook runs anyway and finds the child gone.
    }
    closeLifeline();
  }

  private void closeLifeline() {
    try {
      lifeline.close();
    } catch (IOException e) {
      // The child is gone; there is nothing left to tell it.
    }
  }

  /** The last {@code lines} lines of the child's log, for error messages. */
  String tail(int lines) {
    try {
      // Decoded leniently: a log cut mid-character must not hide the error message around it.
      List<String> all = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(could not read " + logFile + ": " + e.getMessage() + ")";
    }
  }

  Path logFile() {
    return logFile;
  }

  String name() {
    return name;
  }
}
