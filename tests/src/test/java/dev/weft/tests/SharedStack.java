package dev.weft.tests;

import dev.weft.devstack.DevStack;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One real embedded stack (broker, registry, coordinator, executors) for the whole test JVM: starting one costs
 * seconds, and every test class reuses it. Tests keep out of each other's way by using their own run ids, or an
 * {@link IsolatedWeft} (own topics, own coordinator, own executors) when they kill or count things.
 */
public final class SharedStack {
  private static DevStack stack;
  /** A failed start is remembered: retrying it for every test class would cost minutes each and fail the same way. */
  private static RuntimeException failure;

  private SharedStack() {}

  public static synchronized DevStack get() {
    if (failure != null) throw new IllegalStateException("the shared stack failed to start earlier", failure);
    if (stack == null) {
      try {
        Path dir = Files.createDirectories(Path.of("target", "shared-stack-" + ProcessHandle.current().pid()))
            .toAbsolutePath();
        stack = DevStack.start(DevStack.Options.ephemeral(dir), m -> System.err.println("shared stack: " + m));
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
      } catch (java.io.IOException e) {
        failure = new IllegalStateException(e);
        throw failure;
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
    }
    return stack;
  }
}
