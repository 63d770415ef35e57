package dev.weft.executor;

import dev.weft.spec.Target;
import java.io.IOException;

/**
 * The output checker an executor uses: it reads the target's scheme ({@link Target}) and asks the checker for that
 * storage, a local file or S3. A target that is not a valid {@link Target} (validation normally refuses it first) is
 * unsupported, which fails the task with INVALID_SPEC.
 */
public final class SchemeOutputChecker implements OutputChecker {
  private final OutputChecker localFiles;
  private final OutputChecker s3;

  public SchemeOutputChecker(OutputChecker localFiles, OutputChecker s3) {
    this.localFiles = localFiles;
    this.s3 = s3;
  }

  @Override
  public boolean exists(String target) throws IOException {
    Target parsed;
    try {
      parsed = Target.parse(target);
    } catch (Target.InvalidTargetException e) {
      throw new UnsupportedOutputException("output " + e.getMessage());
    }
    return parsed instanceof Target.S3Location ? s3.exists(target) : localFiles.exists(target);
  }
}
