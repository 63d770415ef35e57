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

  private static final java.util.regex.Pattern GENERATED =
      java.util.regex.Pattern.compile("(.+)-(\\d{8}-\\d{6}-[0-9a-f]{6}|[0-9a-f]{16})");

  /** The pipeline name in a run id made here (either kind); the whole id for another. */
  public static String pipelineOf(String runId) {
    java.util.regex.Matcher m = GENERATED.matcher(runId);
    return m.matches() ? m.group(1) : runId;
  }

  /**
   * A backfill's id: the same pipeline, parameters and values give the same id, so issuing the same backfill again
   * names the backfill the coordinator already has.
   */
  public static String backfillId(String pipeline, java.util.Map<String, String> params, String param,
      java.util.List<String> values) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update((pipeline + "\n" + new java.util.TreeMap<>(params) + "\n" + param + "\n" + String.join("\n", values))
          .getBytes(StandardCharsets.UTF_8));
      return "backfill-" + pipeline + "-" + HexFormat.of().formatHex(d.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A schedule's key on the topics, {@code schedule:NAME}, as the coordinator's {@code StateKeys.scheduleKey} makes it
   * (the client does not depend on the coordinator's state package).
   */
  public static String scheduleKey(String name) {
    return "schedule:" + name;
  }
}
