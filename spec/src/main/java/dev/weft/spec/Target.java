package dev.weft.spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A data target a task names in {@code output:} or {@code inputs:}: a local file or an S3 object (or S3 prefix). One
 * parser for everyone who reads targets (spec validation, the executors' output checkers, lineage), so a target that
 * validates is one every reader understands the same way.
 *
 * <p>The forms:
 * <ul>
 *   <li>a plain path ({@code out/orders.csv}, {@code /data/out/orders.csv}): a local file; a relative path is relative
 *       to the reader's working directory (the executor's, for the output check);</li>
 *   <li>{@code file:///absolute/path}: a local file, written as a URI (no host);</li>
 *   <li>{@code s3://bucket/key}: one S3 object, checked with HeadObject;</li>
 *   <li>{@code s3://bucket/prefix/} (the key ends in {@code /}): "some object exists under this prefix", e.g. a
 *       directory marker such as {@code prefix/_SUCCESS} written by Spark or Hadoop; checked with ListObjectsV2 and
 *       {@code maxKeys=1}. The key is taken literally, as the AWS CLI does: no percent-decoding, no query.</li>
 * </ul>
 */
public sealed interface Target permits Target.LocalFile, Target.S3Location {
  /** S3's rules for new bucket names (3 to 63 lowercase letters, digits, '.', '-'; a letter or digit at each end). */
  Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
  int MAX_KEY_BYTES = 1024;

  /** A file on the local file system; {@code path} is as written (possibly relative), never empty. */
  record LocalFile(String path) implements Target {}

  /**
   * An S3 object, or, when {@code key} ends in {@code /}, any object under that prefix.
   *
   * @param bucket a valid bucket name
   * @param key the object key or prefix, as written after {@code s3://bucket/}; never empty
   */
  record S3Location(String bucket, String key) implements Target {
    /** Whether this names a prefix (satisfied by any object under it) rather than one object. */
    public boolean isPrefix() {
      return key.endsWith("/");
    }

    public String uri() {
      return "s3://" + bucket + "/" + key;
    }
  }

  /**
   * @param text a target as written in the spec, parameters substituted
   * @return the target it names
   * @throws InvalidTargetException saying what is wrong and how to write it
   */
  static Target parse(String text) {
    if (text == null || text.isBlank()) throw new InvalidTargetException("the target is empty");
    String t = text.trim();
    if (t.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidTargetException("'" + t + "' holds a control character");
    }
    int colon = t.indexOf(':');
    int slash = t.indexOf('/');
    // A scheme is letters before ':' that come before any '/'; "C:"-style drive letters do not occur on this platform.
    boolean hasScheme = colon > 0 && (slash < 0 || colon < slash)
        && t.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    if (!hasScheme) return new LocalFile(t);
    String scheme = t.substring(0, colon).toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "s3" -> s3(t);
      case "file" -> file(t);
      default -> throw new InvalidTargetException("'" + t + "': scheme '" + scheme + "' is not supported; write"
          + " s3://bucket/key, s3://bucket/prefix/, file:///absolute/path or a plain path");
    };
  }

  private static Target s3(String t) {
    String rest = t.substring("s3:".length());
    if (!rest.startsWith("//")) {
      throw new InvalidTargetException("'" + t + "' is not an S3 URI; write s3://bucket/key or s3://bucket/prefix/");
    }
    rest = rest.substring(2);
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (bucket.isEmpty()) throw new InvalidTargetException("'" + t + "' names no bucket; write s3://bucket/key");
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..") || IP_ADDRESS.matcher(bucket).matches()) {
      throw new InvalidTargetException("'" + t + "': '" + bucket + "' is not a valid S3 bucket name (3 to 63"
          + " lowercase letters, digits, '.' or '-', starting and ending with a letter or digit)");
    }
    if (key.isEmpty()) {
      throw new InvalidTargetException("'" + t + "' names a bucket but no key; write s3://" + bucket + "/key for an"
          + " object or s3://" + bucket + "/prefix/ (ending in '/') for any object under a prefix");
    }
    if (key.startsWith("/")) {
      throw new InvalidTargetException("'" + t + "': the key starts with '/'; write one '/' after the bucket, e.g."
          + " s3://" + bucket + "/" + key.replaceFirst("^/+", ""));
    }
    if (key.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new InvalidTargetException("'" + t + "': the key is longer than S3's " + MAX_KEY_BYTES + " bytes");
    }
    return new S3Location(bucket, key);
  }

  private static Target file(String t) {
    try {
      URI uri = new URI(t);
      if (uri.getPath() == null || !uri.getPath().startsWith("/")
          || (uri.getAuthority() != null && !uri.getAuthority().isEmpty())) {
        throw new InvalidTargetException("'" + t + "': write a local file URI as file:///absolute/path");
      }
      return new LocalFile(uri.getPath());
    } catch (URISyntaxException e) {
      throw new InvalidTargetException("'" + t + "' is not a valid URI: " + e.getMessage());
    }
  }

  /** A target that does not parse: the message says what is wrong and how to write it. */
  final class InvalidTargetException extends IllegalArgumentException {
    public InvalidTargetException(String message) {
      super(message);
    }
  }
}
