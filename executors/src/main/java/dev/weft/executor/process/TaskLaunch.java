package dev.weft.executor.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What to start for a process task: its argv as given, the program that argv names already found
 * ({@link Executables}), the working directory, the whole environment (not added to the executor's) and the user to
 * run as, if any.
 */
record TaskLaunch(List<String> argv, Path program, Path workdir, Map<String, String> environment,
    Optional<ProcessPolicy.UnixUser> user) {
  TaskLaunch {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
  }
}
