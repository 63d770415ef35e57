package dev.weft.executor;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Output targets on the local file system: {@code file:///abs/path} or a plain path (relative paths resolve against
 * the base directory given here). Any other scheme is unsupported.
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
    if (target == null || target.isBlank()) throw new UnsupportedOutputException("the output target is empty");
    String t = target.trim();
    int colon = t.indexOf(':');
    int slash = t.indexOf('/');
    // A scheme is letters before ':' that come before any '/'; "C:"-style drive letters do not occur on this platform.
    boolean hasScheme = colon > 0 && (slash < 0 || colon < slash) && t.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    if (!hasScheme) return baseDir.resolve(t).normalize();
    String scheme = t.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("file")) {
      throw new UnsupportedOutputException("output '" + target + "': scheme '" + scheme
          + "' is not supported by this executor; use file:///absolute/path or a plain path");
    }
    try {
      URI uri = new URI(t);
      if (uri.getPath() == null || !uri.getPath().startsWith("/") || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
        throw new UnsupportedOutputException("output '" + target + "': write a local file URI as file:///absolute/path");
      }
      return Path.of(uri.getPath()).normalize();
    } catch (URISyntaxException e) {
      throw new UnsupportedOutputException("output '" + target + "' is not a valid URI: " + e.getMessage());
    }
  }
}
