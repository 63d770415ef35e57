package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real {@code weft} command as a process (the built classpath, the suite's JVM), for tests of its output. */
final class WeftCli {
  private WeftCli() {}

  record Result(int exit, String stdout, String stderr) {}

  /**
   * Runs {@code weft args...} to its end (at most two minutes), its output kept in files under {@code dir}.
   *
   * @param env added to the process' environment (an S3 endpoint, say)
   */
  static Result run(Path dir, Map<String, String> env, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    cmd.addAll(ServiceProcess.JVM_OPTIONS);
    cmd.addAll(List.of("-cp", BuiltWeft.classpath(), "dev.weft.cli.Weft"));
    cmd.addAll(args);
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("weft " + String.join(" ", args) + " ended").isTrue();
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** Starts {@code weft args...} without waiting, for a test that kills it; its stderr is {@link #stderrOf}. */
  static Process start(Path dir, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
    cmd.addAll(ServiceProcess.JVM_OPTIONS);
    cmd.addAll(List.of("-cp", BuiltWeft.classpath(), "dev.weft.cli.Weft"));
    cmd.addAll(args);
    Path out = Files.createTempFile(dir, "cli", ".out");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(out.resolveSibling(out.getFileName() + ".err").toFile()).start();
    STARTED_OUT.put(p, out);
    return p;
  }

  static Path stderrOf(Path dir, Process p) {
    Path out = STARTED_OUT.get(p);
    return out.resolveSibling(out.getFileName() + ".err");
  }

  private static final Map<Process, Path> STARTED_OUT = new java.util.concurrent.ConcurrentHashMap<>();
}
