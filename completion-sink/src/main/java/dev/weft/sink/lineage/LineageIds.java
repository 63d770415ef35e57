package dev.weft.sink.lineage;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * OpenLineage run ids, derived from Weft's ids (name-based UUIDs), never drawn at random: the START and the end of
 * one attempt, a record read again after a sink restart, and a replay of the topics all name the same OpenLineage
 * run, so a consumer that keeps one run per id (Marquez) merges duplicates instead of counting them.
 */
public final class LineageIds {
  private LineageIds() {}

  /** The OpenLineage run of one attempt {@code (runId, taskId, attempt)}. */
  public static UUID attempt(String runId, String taskId, int attempt) {
    // Lengths first, so that no two (runId, taskId) pairs concatenate to the same text.
    return UUID.nameUUIDFromBytes(("weft-attempt:" + runId.length() + ":" + runId + "/" + taskId.length() + ":"
        + taskId + "/" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  /** The OpenLineage run of a whole Weft run: the parent of its attempts' runs. */
  public static UUID run(String runId) {
    return UUID.nameUUIDFromBytes(("weft-run:" + runId).getBytes(StandardCharsets.UTF_8));
  }
}
