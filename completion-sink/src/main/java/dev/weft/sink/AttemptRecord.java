package dev.weft.sink;

import dev.weft.avro.RunEvent;
import java.util.List;

/**
 * One attempt as it ended, at {@code .../{runId}/attempts/{taskId}/{attempt}.json}. {@code source} is the executor
 * instance that started it (null if none did); {@code retrying}: the task was tried again after it.
 */
public record AttemptRecord(int recordVersion, String runId, String taskId, int attempt, String executor,
    String source, String handle, String status, boolean retrying, long startedAtMs, long finishedAtMs,
    Integer exitCode, String failureKind, String reason, String logTail, String trackingUrl, List<String> inputs,
    List<String> outputs) {
  static AttemptRecord of(RunEvent e) {
    return new AttemptRecord(RunRecord.VERSION, e.getRunId(), e.getTaskId(), e.getAttempt(),
        HistoryRecords.text(e.getExecutor()), HistoryRecords.text(e.getSource()), HistoryRecords.text(e.getHandle()),
        HistoryRecords.name(e.getTaskStatus()), e.getRetrying(), e.getStartedAtMs(), e.getFinishedAtMs(),
        e.getExitCode(), HistoryRecords.name(e.getFailureKind()), HistoryRecords.text(e.getReason()),
        HistoryRecords.text(e.getLogTail()), HistoryRecords.text(e.getTrackingUrl()),
        HistoryRecords.strings(e.getInputs()), HistoryRecords.strings(e.getOutputs()));
  }
}
