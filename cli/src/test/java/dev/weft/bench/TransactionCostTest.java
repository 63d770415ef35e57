package dev.weft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A dispatcher's transaction costs over a window: the difference of two snapshots, per transaction and per task. */
class TransactionCostTest {
  @Test
  void shouldDivideWhatTheWindowAddedByItsTransactionsAndItsTasks() {
    TransactionCost.Snapshot before = new TransactionCost.Snapshot(10, 5e6, 5e6, 5e6,
        Map.of("commands.noop", 100.0, "run-events", 300.0), Map.of("commands.noop", 20_000.0, "run-events", 30_000.0));
    TransactionCost.Snapshot after = new TransactionCost.Snapshot(110, 5e6 + 270e6, 5e6 + 150e6, 5e6 + 70e6,
        Map.of("commands.noop", 1_100.0, "run-events", 3_300.0, "coordinator-tasks-changelog", 2_000.0),
        Map.of("commands.noop", 220_000.0, "run-events", 330_000.0, "coordinator-tasks-changelog", 240_000.0));

    TransactionCost cost = new TransactionCost(before, after, 2.0, 1_000);
    Map<String, Object> f = cost.figures();

    assertThat(f).containsEntry("transactions_per_s", 50.0).containsEntry("flush_ms_per_transaction", 2.7)
        .containsEntry("send_offsets_ms_per_transaction", 1.5).containsEntry("commit_ms_per_transaction", 0.7)
        .containsEntry("records_per_transaction", 60.0);
    assertThat(f.get("records_per_task_by_topic")).isEqualTo(Map.of("commands.noop", 1.0, "run-events", 3.0,
        "coordinator-tasks-changelog", 2.0));
    assertThat(cost.commitWaitMs()).isCloseTo(4.9, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(cost.describe()).startsWith("50 transactions/s (one every 20.0 ms), each waiting 4.9 ms (flush 2.7, "
        + "offsets 1.5, commit 0.7) with 60 records; records a task: commands.noop 1.0, coordinator-tasks-changelog "
        + "2.0, run-events 3.0");
    assertThat(cost.writesPerTask()).as("what a relay copying this dispatcher writes a task").containsExactly(
        new TransactionCost.TopicWrites("commands.noop", 1.0, 200),
        new TransactionCost.TopicWrites("coordinator-tasks-changelog", 2.0, 120),
        new TransactionCost.TopicWrites("run-events", 3.0, 100));
  }
}
