package dev.weft.executor.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Paths compared as the kernel will see them: absolute, normalised, and with symbolic links resolved as far as the
 * path exists, so that {@code /tmp/link -> /} is seen as {@code /}. Prefixes match whole components
 * ({@code /data} covers {@code /data/x}, not {@code /database}).
 */
public final class PathPrefixes {
  private PathPrefixes() {}

  /** The real path of {@code p}: its longest existing ancestor resolved, the rest appended. */
  public static Path real(Path p) {
    Path abs = p.toAbsolutePath().normalize();
    Path existing = abs;
    Path rest = null;
    while (existing != null && !Files.exists(existing)) {
      Path name = existing.getFileName();
      rest = rest == null ? name : name.resolve(rest);
      existing = existing.getParent();
    }
    if (existing == null) return abs;
    try {
      Path resolved = existing.toRealPath();
      return rest == null ? resolved : resolved.resolve(rest).normalize();
    } catch (IOException e) {
      return abs;
    }
  }

  /** Whether {@code path} is one of {@code prefixes} or under one of them (both taken as real paths). */
  public static boolean under(Path path, List<String> prefixes) {
    Path p = real(path);
    for (String prefix : prefixes) {
      if (p.startsWith(real(Path.of(prefix)))) return true;
    }
    return false;
  }
}
