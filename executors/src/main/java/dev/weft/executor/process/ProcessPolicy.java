package dev.weft.executor.process;

import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.policy.PathPrefixes;
import dev.weft.executor.policy.PolicyViolation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the operator of a process executor lets a request do. A process task otherwise runs as the executor's own
 * user, anywhere: a request could read the executor's credentials or, when the executor runs as root, own the host.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@code runAs}: the unprivileged user the tasks run as ({@code uid:gid}, a uid, or a user name from
 *       {@code /etc/passwd}); null runs them as the executor's user. Switching user needs {@code setpriv} and an
 *       executor allowed to switch (root, or CAP_SETUID and CAP_SETGID);
 *   <li>{@code directories}: prefixes a task's working directory must be under; empty allows any.
 * </ul>
 */
public record ProcessPolicy(String runAs, List<String> directories) {
  public ProcessPolicy {
    directories = directories == null ? List.of() : List.copyOf(directories);
  }

  /** For local work, and what {@code weft dev} uses: the executor's own user, any directory. */
  public static ProcessPolicy localDefault() {
    return new ProcessPolicy(null, List.of());
  }

  /**
   * @throws LaunchException INVALID_SPEC when the working directory is outside {@code directories}
   */
  public void checkWorkdir(Path workdir) throws LaunchException {
    if (!directories.isEmpty() && !PathPrefixes.under(workdir, directories)) {
      throw PolicyViolation.of("process.directories", "working directory " + workdir + " is under none of "
          + directories);
    }
  }

  /**
   * The numeric user the tasks run as, or empty for the executor's own.
   *
   * @throws IllegalArgumentException when {@code runAs} names no user of this host: the executor refuses to start
   */
  public Optional<UnixUser> user() {
    if (runAs == null || runAs.isBlank()) return Optional.empty();
    if (runAs.matches("\\d+(:\\d+)?")) {
      String[] parts = runAs.split(":");
      return Optional.of(new UnixUser(Integer.parseInt(parts[0]), Integer.parseInt(parts.length > 1 ? parts[1] : parts[0])));
    }
    try {
      for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
        String[] f = line.split(":");
        if (f.length > 3 && f[0].equals(runAs)) return Optional.of(new UnixUser(Integer.parseInt(f[2]), Integer.parseInt(f[3])));
      }
    } catch (IOException | NumberFormatException e) {
      throw new IllegalArgumentException("process.runAs '" + runAs + "': cannot read /etc/passwd: " + e, e);
    }
    throw new IllegalArgumentException("process.runAs '" + runAs + "' is no user of this host (/etc/passwd); write a "
        + "user name or uid:gid");
  }

  /** A user and primary group by number, as {@code setpriv} takes them. */
  public record UnixUser(int uid, int gid) {}
}
