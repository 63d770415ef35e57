package dev.weft.cli;

import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How a service command ({@code coordinator}, {@code executor}, {@code sink}, {@code dev}, {@code replay --serve})
 * lives: until the JVM is asked to stop (Ctrl-C, SIGTERM), then it closes the service and says how long that took.
 */
final class ServiceLifetime {
  private ServiceLifetime() {}

  static int untilStopped(AutoCloseable service, PrintStream err) throws InterruptedException {
    return untilStopped(service, err, () -> null);
  }

  /**
   * Blocks until the JVM is asked to stop, or until {@code failure} says why the service cannot go on: it then exits
   * with {@link Weft#SERVICE_FAILED}, so that a supervisor (systemd, Kubernetes) starts it again, rather than living
   * on around a service that does nothing.
   */
  static int untilStopped(AutoCloseable service, PrintStream err, Supplier<String> failure)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long t0 = System.nanoTime();
      err.println("weft: stopping");
      try {
        service.close();
      } catch (Exception ex) {
        err.println("weft: while stopping: " + ex.getMessage());
      }
      err.println("weft: stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      stopped.countDown();
    }, "weft-stop"));
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      String why = failure.get();
      if (why != null) {
        err.println("weft: " + why + "; exiting so that it is started again");
        return Weft.SERVICE_FAILED;
      }
    }
    return Weft.OK;
  }
}
