package dev.weft.coordinator.api;

import java.util.List;
import java.util.Optional;

/** Where the query API reads runs from (the local stores of a running coordinator, or wherever a test says). */
public interface RunLookup {
  /**
   * @return the run with its tasks, empty when no coordinator instance knows it
   * @throws IllegalStateException when the state is not queryable right now (rebalancing, restoring)
   */
  Optional<RunView> run(String runId);

  /** The most recent runs, newest first, without their tasks. */
  List<RunView> recentRuns(int limit);
}
