package dev.weft.coordinator.decide;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The run id of a request with an idempotency key, as {@code dev.weft.client.RunIds.fromIdempotencyKey} derives it
 * (the coordinator cannot depend on the client): {@code weft submit --idempotency-key K} and a backfill value with
 * the same key name the same run.
 */
public final class BackfillRuns {
  private BackfillRuns() {}

  public static String runId(String pipeline, String idempotencyKey) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest((pipeline + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
      return pipeline + "-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
