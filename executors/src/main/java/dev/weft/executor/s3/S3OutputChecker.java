package dev.weft.executor.s3;

import dev.weft.executor.OutputChecker;
import dev.weft.spec.Target;
import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Luigi's {@code complete()} for {@code s3://} targets. {@code s3://bucket/key} exists when HeadObject finds the object;
 * {@code s3://bucket/prefix/} (a key ending in {@code /}) exists when ListObjectsV2 with {@code maxKeys=1} finds any
 * object under the prefix, such as a {@code _SUCCESS} marker.
 *
 * <p>Only "not found" means absent: a 404 (HeadObject cannot tell a missing key from a missing bucket, its answer has
 * no body; ListObjectsV2's NoSuchBucket is read the same way, so both forms agree). Anything else (403, another 4xx, a
 * 5xx after the SDK's retries, no answer within {@link S3Clients#CALL_TIMEOUT}, no region or credentials) is thrown as
 * an {@link IOException} naming the target, and the runtime fails the attempt rather than skip it or run it: an output
 * that cannot be seen is not known to be absent (running could overwrite it) nor present (skipping could leave it
 * missing). Luigi likewise fails a task whose {@code complete()} raises.
 *
 * <p>The client is built on the first S3 target, so an executor that never meets one needs no AWS configuration.
 * SDK types stay inside this package.
 */
public final class S3OutputChecker implements OutputChecker {
  private final S3Settings settings;
  private S3Client client;

  public S3OutputChecker(S3Settings settings) {
    this.settings = settings;
  }

  @Override
  public boolean exists(String target) throws IOException {
    Target.S3Location location;
    try {
      location = Target.parse(target) instanceof Target.S3Location s3 ? s3 : null;
    } catch (Target.InvalidTargetException e) {
      throw new UnsupportedOutputException("output " + e.getMessage());
    }
    if (location == null) throw new UnsupportedOutputException("output '" + target + "' is not an s3:// target");
    String call = location.isPrefix() ? "ListObjectsV2" : "HeadObject";
    try {
      S3Client s3 = client();
      if (location.isPrefix()) {
        ListObjectsV2Response r = s3.listObjectsV2(b -> b.bucket(location.bucket()).prefix(location.key()).maxKeys(1));
        return !r.contents().isEmpty();
      }
      s3.headObject(b -> b.bucket(location.bucket()).key(location.key()));
      return true;
    } catch (NoSuchKeyException | NoSuchBucketException e) {
      return false;
    } catch (AwsServiceException e) {
      if (e.statusCode() == 404) return false;
      throw new IOException(location.uri() + ": S3 answered " + call + " with HTTP " + e.statusCode()
          + (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
              ? " " + e.awsErrorDetails().errorCode() : "")
          + hint(e.statusCode(), location), e);
    } catch (SdkException e) {
      throw new IOException(location.uri() + ": S3 could not be asked (" + call + "): " + explain(e), e);
    }
  }

  /**
   * What the SDK's message means for the operator of this executor. A missing region or missing credentials come as
   * the whole provider chain's story, each provider's class and instance named: say what to set instead.
   */
  static String explain(SdkException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (message.startsWith("Unable to load region")) {
      return "no AWS region is configured where this executor runs: set AWS_REGION (or a profile's region), and "
          + "AWS_ENDPOINT_URL for an S3-compatible store such as MinIO";
    }
    if (message.startsWith("Unable to load credentials")) {
      return "no AWS credentials are configured where this executor runs: set AWS_ACCESS_KEY_ID and "
          + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the host a role";
    }
    return message;
  }

  private static String hint(int status, Target.S3Location location) {
    if (status != 403) return "";
    return location.isPrefix()
        ? " (the executor's credentials need s3:ListBucket on bucket " + location.bucket() + ")"
        : " (the executor's credentials need s3:GetObject on it, and s3:ListBucket on bucket " + location.bucket()
            + ": without it S3 answers 403, not 404, for an object that does not exist)";
  }

  /** Built on first use; a build that fails (no region, say) is tried again for the next target. */
  private synchronized S3Client client() {
    if (client == null) client = S3Clients.build(settings);
    return client;
  }
}
