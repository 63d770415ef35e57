package dev.weft.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * Entry point of every child process the embedded stack starts: runs the real main class given as the first argument,
 * and exits when its standard input reaches end-of-file. The parent keeps the write end of that pipe open and never
 * writes to it, so the operating system closes it when the parent dies in any way — including SIGKILL, where shutdown
 * hooks do not run. That way no broker or registry outlives the JVM that started it.
 *
 * <p>Uses nothing but the JDK, and compiles to a single class file, because it is also copied next to the schema
 * registry's own jar to be that process's entry point.
 */
public final class ParentWatchdog {
  private ParentWatchdog() {}

  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      System.err.println("usage: ParentWatchdog MAIN_CLASS [ARGS...]");
      System.exit(2);
    }
    Thread watcher = new Thread(() -> {
      InputStream in = System.in;
      byte[] buf = new byte[64];
      try {
        while (in.read(buf) >= 0) {
          // The parent never writes; anything read is ignored.
        }
      } catch (IOException e) {
        // A broken pipe means the same as end-of-file: the parent is gone.
      }
      System.err.println("ParentWatchdog: standard input closed (the parent stopped this process, or is gone);"
          + " shutting down " + args[0]);
      System.exit(0);
    }, "weft-parent-watchdog");
    watcher.setDaemon(true);
    watcher.start();
    try {
      Class.forName(args[0]).getMethod("main", String[].class)
          .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      // Printed here because the child's own logging may be off: this is what ends up in the child's log file.
      System.err.println("ParentWatchdog: " + args[0] + " failed");
      e.getCause().printStackTrace();
      System.exit(1);
    }
  }
}
