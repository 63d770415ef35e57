package dev.weft.tests;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting on a condition with a deadline, never on a fixed sleep. */
public final class Conditions {
  private Conditions() {}

  public static void await(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
    await(timeout, Duration.ofMillis(50), what, condition);
  }

  /** Like {@link #await(Duration, String, Callable)}, asking every {@code every}: for conditions costly to ask. */
  public static void await(Duration timeout, Duration every, String what, Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) return;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(every.toMillis());
    }
    throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
  }
}
