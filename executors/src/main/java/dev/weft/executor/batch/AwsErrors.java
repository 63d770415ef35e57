package dev.weft.executor.batch;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Which AWS failures are worth another try. The SDK already retries each call a few times with backoff (its standard
 * retry mode, tuned the AWS way with {@code AWS_RETRY_MODE} and {@code AWS_MAX_ATTEMPTS}); a call that still fails
 * with throttling, a 5xx answer or no answer at all is a passing condition of the service, not of the task, so the
 * backend tries it again later instead of failing the attempt. Everything else (a 4xx such as a missing definition
 * or queue) says the request itself is wrong and never gets better.
 */
final class AwsErrors {
  private AwsErrors() {}

  static boolean isRetryable(Throwable e) {
    if (e instanceof AwsServiceException a) {
      return a.isThrottlingException() || a.statusCode() == 429 || a.statusCode() >= 500;
    }
    if (e instanceof SdkClientException) return true;
    return e instanceof SdkException s && s.retryable();
  }

  /** The service's own message, without the SDK's request-id decoration. */
  static String message(Throwable e) {
    if (e instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorMessage() != null) {
      return a.awsErrorDetails().errorMessage();
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
