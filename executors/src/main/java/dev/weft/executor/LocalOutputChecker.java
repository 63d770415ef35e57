package dev.weft.executor;

import dev.weft.spec.Target;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output targets on the local file system: {@code file:///abs/path} or a plain path (relative paths resolve against
 * the base directory given here). Any other target is unsupported here ({@link SchemeOutputChecker} sends S3 targets
 * elsewhere).
 */
public final class LocalOutputChecker implements OutputChecker {
  private final Path baseDir;

  public LocalOutputChecker(Path baseDir) {
    this.baseDir = baseDir.toAbsolutePath().normalize();
  }

  /** Relative to the current directory. */
  public LocalOutputChecker() {
    this(Path.of(""));
  }

  @Override
  public boolean exists(String target) {
    return Files.exists(pathOf(target));
  }

  /** The local path a target names. */
  public Path pathOf(String target) {
    Target parsed;
    try {
      parsed = Target.parse(target);
    } catch (Target.InvalidTargetException e) {
      throw new UnsupportedOutputException("output " + e.getMessage());
    }
    if (parsed instanceof Target.LocalFile f) return baseDir.resolve(f.path()).normalize();
    throw new UnsupportedOutputException("output '" + target + "': scheme 's3' is not supported by this checker;"
        + " it checks file:///absolute/path or a plain path");
  }
}
