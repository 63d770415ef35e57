package dev.weft.executor.process;

import static dev.weft.executor.Specs.process;
import static dev.weft.executor.Specs.request;

import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for an executor JVM in {@link ForkServerTest} and {@link ChildLauncherTest}: launches a process tree
 * through the process backend (on its fork server, or with {@code guarded} as second argument under the guard) from a
 * thread that then ends, prints the task's pid and waits to be killed.
 */
public final class KilledExecutorProbe {
  /** A probe running in a JVM of its own, and the pid of the task it launched. */
  record Running(Process jvm, long taskPid) {}

  /**
   * Starts the probe in a JVM of its own and waits for it to print its task's pid.
   *
   * @param extraArgs {@code "guarded"} to launch under the guard, or the name of a fork server's helper
   *     ({@link ForkServer.Helpers}); none for the fork server this host would take
   */
  static Running start(Path work, String... extraArgs) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        KilledExecutorProbe.class.getName(), work.toString()));
    command.addAll(List.of(extraArgs));
    Process jvm = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("pid ")) return new Running(jvm, Long.parseLong(line.substring(4).trim()));
    }
    return new Running(jvm, -1);
  }

  public static void main(String[] args) throws Exception {
    TaskLauncher launcher = args.length > 1 && args[1].equals("guarded") ? new GuardedLauncher()
        : (args.length > 1 ? ForkServer.onThisHost(ForkServer.Helpers.valueOf(args[1])) : ForkServer.onThisHost())
            .orElseThrow(() -> new IllegalStateException("no fork server's interpreter is on the PATH"));
    ProcessBackend backend = new ProcessBackend(Path.of(args[0]), null, ProcessPolicy.localDefault(), launcher);
    AtomicReference<RunningAttempt> attempt = new AtomicReference<>();
    AtomicReference<Exception> failure = new AtomicReference<>();
    // A short-lived thread asks for the launch: the parent-death signal must not fire when it ends.
    Thread asker = new Thread(() -> {
      try {
        attempt.set(backend.launch(request(process("tree", List.of("sh", "-c", "sleep 300 & sleep 300; wait"), Map.of(), null)),
            new AttemptListener() {
              @Override
              public void trackingUrl(String url) {}

              @Override
              public void finished(AttemptOutcome outcome) {
                System.out.println("finished " + outcome);
              }
            }));
      } catch (Exception e) {
        failure.set(e);
      }
    });
    asker.start();
    asker.join();
    if (failure.get() != null) throw failure.get();
    System.out.println("pid " + attempt.get().handle());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
