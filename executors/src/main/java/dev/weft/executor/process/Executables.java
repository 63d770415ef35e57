package dev.weft.executor.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the program of a task's argv the way the JDK's {@link ProcessBuilder#start()} does, with its messages: a name
 * without a slash on the executor's own {@code PATH} (not the task's environment), a relative path against the
 * working directory. Both launchers check before starting anything, so that a missing program fails the launch with
 * the JDK's message instead of showing as exit code 127 of a task that never ran.
 */
final class Executables {
  private Executables() {}

  /**
   * @return the program's absolute path
   * @throws IOException {@code Cannot run program "x" (in directory "d"): error=2, No such file or directory}, or
   *     {@code error=13, Permission denied} for a directory or a file that is not executable
   */
  static Path resolve(String program, Path directory) throws IOException {
    String where = directory == null ? "" : " (in directory \"" + directory + "\")";
    Path found = null;
    if (program.contains("/")) {
      Path p = Path.of(program);
      if (!p.isAbsolute() && directory != null) p = directory.resolve(p);
      if (Files.exists(p)) found = p;
    } else {
      for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
        Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          found = p;
          break;
        }
        if (found == null && Files.exists(p)) found = p;
      }
    }
    if (found == null) {
      throw new IOException("Cannot run program \"" + program + "\"" + where + ": error=2, No such file or directory");
    }
    if (Files.isDirectory(found) || !Files.isExecutable(found)) {
      throw new IOException("Cannot run program \"" + program + "\"" + where + ": error=13, Permission denied");
    }
    return found.toAbsolutePath();
  }
}
