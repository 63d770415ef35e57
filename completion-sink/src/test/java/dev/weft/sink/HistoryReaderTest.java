package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryReaderTest {
  @TempDir
  Path root;

  @Test
  void shouldListNewestFirstAcrossPipelinesAndDaysAndStopWhenThePageIsFull() throws Exception {
    LocalHistoryStore store = new LocalHistoryStore(root);
    write(store, "p", "r-oct", "2026-10-31T10:00:00Z", RunStatus.SUCCEEDED);
    write(store, "p", "r-nov", "2026-11-30T10:00:00Z", RunStatus.FAILED);
    write(store, "q", "r-dec-a", "2026-12-01T09:00:00Z", RunStatus.SUCCEEDED);
    write(store, "p", "r-dec-b", "2026-12-01T10:00:00Z", RunStatus.CANCELLED);
    HistoryReader reader = new HistoryReader(store);

    HistoryReader.Page first = reader.list(new HistoryReader.Query(null, null, 0, null, 3));
    assertThat(first.runs()).extracting(RunRecord::runId).containsExactly("r-dec-b", "r-dec-a", "r-nov");
    assertThat(first.more()).isTrue();
    HistoryReader.Page next = reader.list(new HistoryReader.Query(null, null, first.runs().get(2).acceptedAtMs(), null, 3));
    assertThat(next.runs()).extracting(RunRecord::runId).containsExactly("r-oct");
    assertThat(next.more()).isFalse();

    assertThat(reader.list(new HistoryReader.Query("p", LocalDate.parse("2026-11-01"), 0, null, 10)).runs())
        .extracting(RunRecord::runId).containsExactly("r-dec-b", "r-nov");
    assertThat(reader.list(new HistoryReader.Query(null, null, 0, "FAILED", 10)).runs())
        .extracting(RunRecord::runId).containsExactly("r-nov");
    assertThat(reader.run("r-nov")).singleElement().satisfies(h -> assertThat(h.run().status()).isEqualTo("FAILED"));
  }

  private static void write(HistoryStore store, String pipeline, String runId, String acceptedAt, RunStatus status)
      throws Exception {
    long at = Instant.parse(acceptedAt).toEpochMilli();
    RunEvent.Builder e = RunEvent.newBuilder().setRunId(runId).setPipeline(pipeline).setAtMs(at).setRunAcceptedAtMs(at);
    for (RunEvent event : new RunEvent[] {e.setKind(RunEventKind.RUN_ACCEPTED).build(),
        e.setKind(RunEventKind.RUN_FINISHED).setRunStatus(status).setFinishedAtMs(at + 1000).build()}) {
      for (HistoryRecords.HistoryObject o : HistoryRecords.of(event)) store.create(o.key(), o.body());
    }
  }
}
