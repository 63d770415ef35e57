package dev.weft.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Run ids. With an idempotency key the id is derived from it, so a re-published request carries the same run id,
 * lands in the same partition and is recognised by the coordinator as the run it already has.
 */
public final class RunIds {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private RunIds() {}

  public static String newRunId(String pipeline, long nowMs) {
    byte[] b = new byte[3];
    RANDOM.nextBytes(b);
    return pipeline + "-" + STAMP.format(java.time.Instant.ofEpochMilli(nowMs)) + "-" + HexFormat.of().formatHex(b);
  }

  public static String fromIdempotencyKey(String pipeline, String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest((pipeline + "\n" + key).getBytes(StandardCharsets.UTF_8));
      return pipeline + "-" + HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
