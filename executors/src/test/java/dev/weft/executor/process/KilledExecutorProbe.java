package dev.weft.executor.process;

import static dev.weft.executor.Specs.process;
import static dev.weft.executor.Specs.request;

import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Stands in for an executor JVM in {@link ForkServerTest} and {@link ChildLauncherTest}: launches a process tree
 * through the process backend (on its fork server, or with {@code guarded} as second argument under the guard) from a
 * thread that then ends, prints the task's pid and waits to be killed.
 */
public final class KilledExecutorProbe {
  public static void main(String[] args) throws Exception {
    TaskLauncher launcher = args.length > 1 && args[1].equals("guarded") ? new GuardedLauncher()
        : ForkServer.onThisHost().orElseThrow(() -> new IllegalStateException("perl is not on the PATH"));
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
