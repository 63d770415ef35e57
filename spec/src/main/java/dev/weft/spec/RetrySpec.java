package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Retry policy. {@code maxAttempts} counts the first attempt too (1 = never retry). Backoff before attempt n+1 is
 * {@code backoff * multiplier^(n-1)}, capped at {@code maxBackoff}, then spread by ±{@code jitter} (a fraction).
 * {@code nonRetryableExitCodes} fail the task at once; OOM, a missing image and an invalid spec never retry.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetrySpec(
    Integer maxAttempts,
    String backoff,
    Double multiplier,
    String maxBackoff,
    Double jitter,
    List<Integer> nonRetryableExitCodes) {}
