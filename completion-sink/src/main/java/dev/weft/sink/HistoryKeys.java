package dev.weft.sink;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The history's key layout. Every key depends only on the run event it comes from, so a record written twice lands
 * on the same key. Runs are partitioned by pipeline and by the day (UTC) the run was accepted, so a listing walks the
 * newest days first and stops early:
 *
 * <pre>
 * runs/{pipeline}/{yyyy}/{mm}/{dd}/{runId}/run.json                    the run, when it ended
 * runs/{pipeline}/{yyyy}/{mm}/{dd}/{runId}/rejected-{requestedAtMs}.json a rejected request for that run id
 * runs/{pipeline}/{yyyy}/{mm}/{dd}/{runId}/tasks/{taskId}.json         each task, when it ended
 * runs/{pipeline}/{yyyy}/{mm}/{dd}/{runId}/attempts/{taskId}/{n}.json  each attempt, when it ended
 * ids/{runId}/{pipeline}/{yyyy}/{mm}/{dd}.json                         where a run id's records are
 * </pre>
 *
 * A rejected request has its own key: a run id can be rejected (a duplicate, a spec since fixed) and also run.
 * Segments other than the date are percent-encoded outside {@code [A-Za-z0-9._-]}, so no id can add a level.
 */
public final class HistoryKeys {
  public static final String RUNS = "runs/";
  public static final String IDS = "ids/";
  public static final String RUN_RECORD = "run.json";
  public static final String REJECTED_PREFIX = "rejected-";
  public static final String TASKS = "tasks/";
  public static final String ATTEMPTS = "attempts/";
  /** The pipeline segment of a request whose spec names no valid pipeline. */
  public static final String UNNAMED_PIPELINE = "_unnamed";

  private HistoryKeys() {}

  /** {@code runs/{pipeline}/{yyyy}/{mm}/{dd}/{runId}/} */
  public static String runDir(String pipeline, long acceptedAtMs, String runId) {
    return pipelineDir(pipeline) + datePath(day(acceptedAtMs)) + "/" + segment(runId) + "/";
  }

  /** {@code runs/{pipeline}/} */
  public static String pipelineDir(String pipeline) {
    return RUNS + segment(pipeline == null || pipeline.isEmpty() ? UNNAMED_PIPELINE : pipeline) + "/";
  }

  public static String runRecord(String runDir) {
    return runDir + RUN_RECORD;
  }

  public static String rejectedRecord(String runDir, long requestedAtMs) {
    return runDir + REJECTED_PREFIX + requestedAtMs + ".json";
  }

  public static String taskRecord(String runDir, String taskId) {
    return runDir + TASKS + segment(taskId) + ".json";
  }

  public static String attemptRecord(String runDir, String taskId, int attempt) {
    return runDir + ATTEMPTS + segment(taskId) + "/" + attempt + ".json";
  }

  /** {@code ids/{runId}/}: below it, one pointer per place the run id has records. */
  public static String idDir(String runId) {
    return IDS + segment(runId) + "/";
  }

  public static String idPointer(String runId, String pipeline, long acceptedAtMs) {
    return idDir(runId) + segment(pipeline == null || pipeline.isEmpty() ? UNNAMED_PIPELINE : pipeline) + "/"
        + datePath(day(acceptedAtMs)) + ".json";
  }

  public static LocalDate day(long epochMs) {
    return LocalDate.ofInstant(Instant.ofEpochMilli(epochMs), ZoneOffset.UTC);
  }

  /** {@code yyyy/mm/dd} */
  public static String datePath(LocalDate d) {
    return String.format("%04d/%02d/%02d", d.getYear(), d.getMonthValue(), d.getDayOfMonth());
  }

  /** One key segment: itself when made of {@code [A-Za-z0-9._-]} (and not {@code .} or {@code ..}), else encoded. */
  public static String segment(String s) {
    if (s.isEmpty()) return "%";
    StringBuilder b = new StringBuilder(s.length());
    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (x & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.') {
        b.append(c);
      } else {
        b.append('%').append(String.format("%02X", x & 0xff));
      }
    }
    String out = b.toString();
    return out.equals(".") || out.equals("..") ? out.replace(".", "%2E") : out;
  }

  /** The inverse of {@link #segment}. */
  public static String unsegment(String s) {
    if (s.equals("%")) return "";
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
