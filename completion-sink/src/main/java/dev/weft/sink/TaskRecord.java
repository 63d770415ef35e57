package dev.weft.sink;

import dev.weft.avro.RunEvent;
import java.util.List;

/** A task as it ended, at {@code .../{runId}/tasks/{taskId}.json}; {@code attempts} is how many it had. */
public record TaskRecord(int recordVersion, String runId, String taskId, String executor, String status, int attempts,
    Integer exitCode, String failureKind, String reason, String logTail, String trackingUrl, long startedAtMs,
    long finishedAtMs, List<String> inputs, List<String> outputs) {
  static TaskRecord of(RunEvent e) {
    return new TaskRecord(RunRecord.VERSION, e.getRunId(), e.getTaskId(), HistoryRecords.text(e.getExecutor()),
        HistoryRecords.name(e.getTaskStatus()), e.getAttempt(), e.getExitCode(), HistoryRecords.name(e.getFailureKind()),
        HistoryRecords.text(e.getReason()), HistoryRecords.text(e.getLogTail()), HistoryRecords.text(e.getTrackingUrl()),
        e.getStartedAtMs(), e.getFinishedAtMs(), HistoryRecords.strings(e.getInputs()),
        HistoryRecords.strings(e.getOutputs()));
  }
}
