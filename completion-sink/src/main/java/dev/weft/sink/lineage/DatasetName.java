package dev.weft.sink.lineage;

import dev.weft.spec.Target;
import java.nio.file.Path;

/**
 * A target as OpenLineage names a dataset (its naming spec): a local file is namespace {@code file}, name its absolute
 * path; {@code s3://bucket/key} is namespace {@code s3://bucket}, name the key. An S3 prefix ({@code s3://bucket/dir/})
 * is named without its trailing {@code /}, as Spark's and Hadoop's integrations name the directory they write, so the
 * same data gets one name whoever reports it.
 *
 * <p>A relative local path is made absolute against {@code baseDir}: the directory the executors resolve it against,
 * which the lineage emitter cannot see (in {@code weft run} and {@code weft dev} it is theirs, the working directory).
 * Write absolute paths or {@code file:///} URIs when executors run elsewhere.
 */
public record DatasetName(String namespace, String name) {
  public static final String FILE_NAMESPACE = "file";

  /**
   * @throws Target.InvalidTargetException when the text is not a target (validation refuses such specs first)
   */
  public static DatasetName of(String target, Path baseDir) {
    Target t = Target.parse(target);
    if (t instanceof Target.S3Location s3) {
      String key = s3.isPrefix() ? s3.key().substring(0, s3.key().length() - 1) : s3.key();
      return new DatasetName("s3://" + s3.bucket(), key);
    }
    String path = ((Target.LocalFile) t).path();
    return new DatasetName(FILE_NAMESPACE, baseDir.toAbsolutePath().resolve(path).normalize().toString());
  }

  /** As a user writes it back: {@code s3://bucket/key} or the absolute path. */
  @Override
  public String toString() {
    return namespace.equals(FILE_NAMESPACE) ? name : namespace + "/" + name;
  }
}
