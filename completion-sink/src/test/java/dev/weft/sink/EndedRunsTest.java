package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A caller waiting for one run's history is released by that run's end, not by its other events or other runs. */
class EndedRunsTest {
  private final EndedRuns ended = new EndedRuns();

  @Test
  void shouldReleaseTheWaiterWhenItsRunsEndIsWritten() throws Exception {
    CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> await("r1", 30_000));

    ended.written(event("r1", RunEventKind.TASK_FINISHED));
    ended.written(event("r2", RunEventKind.RUN_FINISHED));
    assertThat(await("r1", 50)).as("r1 has not ended").isFalse();
    assertThat(waiting).isNotDone();

    ended.written(event("r1", RunEventKind.RUN_FINISHED));
    assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(await("r2", 0)).isTrue();
  }

  @Test
  void shouldCountARejectedRunAsEnded() {
    ended.written(event("bad", RunEventKind.RUN_REJECTED));
    assertThat(await("bad", 0)).isTrue();
  }

  @Test
  void shouldKeepOnlyTheNewestEnds() {
    for (int i = 0; i <= EndedRuns.KEPT; i++) ended.written(event("r" + i, RunEventKind.RUN_FINISHED));
    assertThat(await("r0", 0)).as("the eldest of KEPT + 1").isFalse();
    assertThat(await("r1", 0)).isTrue();
  }

  private boolean await(String runId, long timeoutMs) {
    try {
      return ended.await(runId, System.nanoTime() + timeoutMs * 1_000_000L, () -> true);
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RunEvent event(String runId, RunEventKind kind) {
    return RunEvent.newBuilder().setKind(kind).setRunId(runId).setPipeline("p").setAtMs(1).build();
  }
}
