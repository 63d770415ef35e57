package dev.weft.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.weft.avro.RunEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps a run event to the history objects it makes, from the event alone (no state, no clock): RUN_FINISHED makes
 * the run record, RUN_REJECTED a rejected record, TASK_FINISHED a task record (so that tasks that never ran, such as
 * UPSTREAM_FAILED ones, appear too), ATTEMPT_ENDED an attempt record, and RUN_ACCEPTED and RUN_REJECTED the pointer
 * from the run id to the run's directory. Everything else makes nothing.
 */
public final class HistoryRecords {
  /** Sorted keys and no indentation: the same event always gives the same bytes. */
  public static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // later versions add fields
      .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY).build();

  private HistoryRecords() {}

  /** One object to write. */
  public record HistoryObject(String key, byte[] body) {}

  /**
   * @return the objects {@code e} makes, in the order to write them (the record before its pointer); empty when it
   *     makes none or is from a coordinator older than 2026-12-01 that did not say when its run was accepted
   */
  public static List<HistoryObject> of(RunEvent e) {
    long acceptedAt = e.getRunAcceptedAtMs();
    List<HistoryObject> out = new ArrayList<>();
    switch (e.getKind()) {
      case RUN_ACCEPTED -> {
        if (!e.getExisting() && acceptedAt > 0) out.add(pointer(e, acceptedAt));
      }
      case RUN_REJECTED -> {
        long at = acceptedAt > 0 ? acceptedAt : e.getAtMs();
        String dir = HistoryKeys.runDir(e.getPipeline(), at, e.getRunId());
        out.add(object(HistoryKeys.rejectedRecord(dir, at), RunRecord.rejected(e, at)));
        out.add(pointer(e, at));
      }
      case RUN_FINISHED -> {
        // Older events lack runAcceptedAtMs, but RUN_FINISHED always carried the acceptance time as startedAtMs.
        long at = acceptedAt > 0 ? acceptedAt : e.getStartedAtMs();
        if (at > 0) out.add(object(HistoryKeys.runRecord(HistoryKeys.runDir(e.getPipeline(), at, e.getRunId())),
            RunRecord.finished(e, at)));
      }
      case TASK_FINISHED -> {
        if (acceptedAt > 0) out.add(object(HistoryKeys.taskRecord(
            HistoryKeys.runDir(e.getPipeline(), acceptedAt, e.getRunId()), e.getTaskId()), TaskRecord.of(e)));
      }
      case ATTEMPT_ENDED -> {
        if (acceptedAt > 0) out.add(object(HistoryKeys.attemptRecord(
            HistoryKeys.runDir(e.getPipeline(), acceptedAt, e.getRunId()), e.getTaskId(), e.getAttempt()),
            AttemptRecord.of(e)));
      }
      default -> { }
    }
    return out;
  }

  private static HistoryObject pointer(RunEvent e, long acceptedAt) {
    return object(HistoryKeys.idPointer(e.getRunId(), e.getPipeline(), acceptedAt),
        new RunPointer(e.getRunId(), HistoryKeys.runDir(e.getPipeline(), acceptedAt, e.getRunId())));
  }

  private static HistoryObject object(String key, Object record) {
    try {
      return new HistoryObject(key, JSON.writeValueAsBytes(record));
    } catch (JsonProcessingException ex) {
      throw new IllegalArgumentException("cannot write " + key + " as JSON: " + ex.getOriginalMessage(), ex);
    }
  }

  static String name(Object enumValue) {
    return enumValue == null ? null : enumValue.toString();
  }

  static Map<String, String> sorted(Map<? extends CharSequence, ? extends CharSequence> m) {
    Map<String, String> out = new TreeMap<>();
    if (m != null) m.forEach((k, v) -> out.put(k.toString(), v == null ? null : v.toString()));
    return out;
  }

  static List<String> strings(List<? extends CharSequence> l) {
    return l == null ? List.of() : l.stream().map(CharSequence::toString).toList();
  }

  static String text(CharSequence s) {
    return s == null ? null : s.toString();
  }
}
