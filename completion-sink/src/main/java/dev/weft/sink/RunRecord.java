package dev.weft.sink;

import dev.weft.avro.RunEvent;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run as history keeps it, at {@code .../{runId}/run.json} when it ended, or {@code rejected-{ms}.json} when its
 * request was rejected. {@code acceptedAtMs} is when the coordinator accepted it (for a rejection: when it was
 * requested).
 */
public record RunRecord(int recordVersion, String runId, String pipeline, String status, String reason,
    String specHash, String requester, Map<String, String> params, long acceptedAtMs, long finishedAtMs,
    int taskCount, Map<String, Integer> counts) {
  public static final int VERSION = 1;

  static RunRecord finished(RunEvent e, long acceptedAtMs) {
    Map<String, Integer> counts = new TreeMap<>();
    e.getCounts().forEach((k, v) -> counts.put(k.toString(), v));
    return new RunRecord(VERSION, e.getRunId(), e.getPipeline(), HistoryRecords.name(e.getRunStatus()),
        HistoryRecords.text(e.getReason()), HistoryRecords.text(e.getSpecHash()), HistoryRecords.text(e.getRequester()),
        HistoryRecords.sorted(e.getParams()), acceptedAtMs, e.getFinishedAtMs(), e.getTaskCount(), counts);
  }

  static RunRecord rejected(RunEvent e, long requestedAtMs) {
    return new RunRecord(VERSION, e.getRunId(), e.getPipeline(), "REJECTED", HistoryRecords.text(e.getReason()),
        HistoryRecords.text(e.getSpecHash()), HistoryRecords.text(e.getRequester()),
        HistoryRecords.sorted(e.getParams()), requestedAtMs, e.getAtMs(), 0, Map.of());
  }
}
