package dev.weft.sink.lineage;

import dev.weft.sink.AttemptRecord;
import dev.weft.sink.HistoryKeys;
import dev.weft.sink.HistoryRecords;
import dev.weft.sink.HistoryStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code weft lineage DATASET}: which attempts wrote or read a dataset, answered from the completion sink's history
 * rather than from a lineage file. Attempt records carry the same inputs and outputs as the lineage events, and
 * history is there whatever the lineage destination is (a file, Kafka, Marquez over HTTP), so the answer does not
 * depend on where lineage went. A target is matched by its {@link DatasetName}, so {@code out/x.csv}, its absolute
 * path and its {@code file:///} URI are one dataset, as are {@code s3://b/dir/} and {@code s3://b/dir}.
 *
 * <p>It reads every attempt record of the pipelines asked about (all, or {@code pipeline}), skipping the days before
 * {@code since}: history has no index by dataset, so the cost grows with the history read.
 */
public final class LineageQuery {
  /** How an attempt used the dataset: wrote it, read it, or found it already there and was SKIPPED. */
  public enum Role { WROTE, READ, FOUND_PRESENT }

  /** One attempt that used the dataset. */
  public record Use(Role role, String pipeline, String runId, String taskId, int attempt, String status,
      String executor, long startedAtMs, long finishedAtMs) {}

  private final HistoryStore store;
  private final Path baseDir;

  /** @param baseDir what relative local targets resolve against, for the asked dataset and the recorded ones alike */
  public LineageQuery(HistoryStore store, Path baseDir) {
    this.store = store;
    this.baseDir = baseDir;
  }

  /**
   * @param dataset  a target as a spec writes it ({@code s3://bucket/key}, a path, {@code file:///...})
   * @param pipeline only this pipeline's runs, or null for all
   * @param since    only runs accepted on or after this day (UTC), or null
   * @return every attempt that wrote, read or found the dataset, oldest first
   * @throws IllegalArgumentException when {@code dataset} is not a target
   */
  public List<Use> uses(String dataset, String pipeline, LocalDate since) throws IOException {
    DatasetName asked = DatasetName.of(dataset, baseDir);
    List<String> pipelineDirs = pipeline != null ? List.of(HistoryKeys.pipelineDir(pipeline))
        : store.list(HistoryKeys.RUNS).directories();
    List<Use> out = new ArrayList<>();
    for (String dir : pipelineDirs) {
      String pipelineName = HistoryKeys.unsegment(dir.substring(HistoryKeys.RUNS.length(), dir.length() - 1));
      for (String key : store.listAll(dir)) {
        if (!key.contains("/" + HistoryKeys.ATTEMPTS) || before(key, dir, since)) continue;
        Optional<byte[]> body = store.read(key);
        if (body.isEmpty()) continue;
        AttemptRecord a = HistoryRecords.JSON.readValue(body.get(), AttemptRecord.class);
        boolean skipped = "SKIPPED".equals(a.status());
        if (names(a.outputs(), asked)) out.add(use(skipped ? Role.FOUND_PRESENT : Role.WROTE, pipelineName, a));
        if (!skipped && names(a.inputs(), asked)) out.add(use(Role.READ, pipelineName, a));
      }
    }
    out.sort(Comparator.comparingLong(Use::startedAtMs).thenComparing(Use::runId).thenComparing(Use::taskId)
        .thenComparingInt(Use::attempt));
    return out;
  }

  private boolean names(List<String> targets, DatasetName asked) {
    if (targets == null) return false;
    for (String t : targets) {
      try {
        if (DatasetName.of(t, baseDir).equals(asked)) return true;
      } catch (IllegalArgumentException e) {
        // not a target (history written before validation knew targets): it names nothing
      }
    }
    return false;
  }

  /** Whether the key's day directory ({@code {pipelineDir}yyyy/mm/dd/...}) is before {@code since}. */
  private static boolean before(String key, String pipelineDir, LocalDate since) {
    if (since == null) return false;
    String[] p = key.substring(pipelineDir.length()).split("/", 4);
    try {
      return LocalDate.of(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])).isBefore(since);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static Use use(Role role, String pipeline, AttemptRecord a) {
    return new Use(role, pipeline, a.runId(), a.taskId(), a.attempt(), a.status(), a.executor(), a.startedAtMs(),
        a.finishedAtMs());
  }
}
