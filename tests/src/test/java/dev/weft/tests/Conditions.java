package dev.weft.tests;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Waiting on a condition with a deadline, never on a fixed sleep. */
public final class Conditions {
  private Conditions() {}

  public static void await(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) return;
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
  }
}
