package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.Weft;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft run FILE} in this JVM, as {@code main} runs it: its throwaway stack (the broker in this JVM too) runs the
 * pipeline, prints the summary and the time to first task, has written the run's history by then, exits with the
 * run's code, and leaves no thread behind: none running, and none waiting in native code, which JDK 17's exit waits
 * 300 ms for.
 */
class RunCommandEndToEndTest {
  @Test
  void shouldRunThePipelineOnAThrowawayStackAndLeaveNothingRunning(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, """
        pipeline: run-e2e
        tasks:
          - id: write
            executor: process
            process: {argv: ["sh", "-c", "echo hello > %s"]}
          - id: then
            executor: noop
            dependsOn: [write]
        """.formatted(out));
    Set<Thread> before = Thread.getAllStackTraces().keySet();

    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Path history = dir.resolve("history");
    int exit = Weft.run(List.of("run", file.toString(), "--lineage", "off", "--history", history.toString()),
        new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));

    String err = stderr.toString(StandardCharsets.UTF_8);
    assertThat(exit).as("exit code; stderr:\n%s", err).isZero();
    assertThat(Files.readString(out).strip()).isEqualTo("hello");
    assertThat(err).contains("in this process").contains("time to first task");
    // Only the executors the pipeline names start before the run; the others start behind it.
    assertThat(err).containsPattern("executors running: (process, noop|noop, process)[;\\n]");
    assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("write").contains("then");
    // Read when the command returned, not awaited: the sink caught up before the summary.
    try (Stream<Path> files = Files.walk(history)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).as("history files")
          .contains("run.json", "write.json", "then.json");
    }
    List<String> left = new ArrayList<>();
    List<String> inNative = new ArrayList<>();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      Thread t = e.getKey();
      if (before.contains(t) || !t.isAlive()) continue;
      if (!t.isDaemon()) left.add(t.getName());
      StackTraceElement[] stack = e.getValue();
      if (t.getState() == Thread.State.RUNNABLE && stack.length > 0 && stack[0].isNativeMethod()) {
        inNative.add(t.getName() + " at " + stack[0]);
      }
    }
    assertThat(left).as("threads the run left running").isEmpty();
    assertThat(inNative).as("threads the run left in native code").isEmpty();
  }

  /** {@code --max-concurrent 2}: four independent one-second tasks run two at a time, never more, not 16. */
  @Test
  void shouldRunAtMostTheGivenNumberOfAttemptsAtOnce(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("log");
    StringBuilder yaml = new StringBuilder("pipeline: two-at-a-time\ntasks:\n");
    for (int i = 0; i < 4; i++) {
      yaml.append("  - {id: t").append(i).append(", executor: process, process: {argv: [\"sh\", \"-c\", ")
          .append("\"echo start >> ").append(log).append("; sleep 1; echo end >> ").append(log).append("\"]}}\n");
    }
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, yaml);
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    int exit = Weft.run(List.of("run", file.toString(), "--lineage", "off", "--max-concurrent", "2"),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(stderr, true, StandardCharsets.UTF_8));

    assertThat(exit).as("exit code; stderr:\n%s", stderr.toString(StandardCharsets.UTF_8)).isZero();
    int running = 0;
    int most = 0;
    for (String line : Files.readAllLines(log)) {
      running += line.equals("start") ? 1 : -1;
      most = Math.max(most, running);
    }
    assertThat(most).as("attempts running at once").isEqualTo(2);
  }
}
