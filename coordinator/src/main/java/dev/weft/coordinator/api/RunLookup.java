package dev.weft.coordinator.api;

import java.util.Optional;

/** Where the query API reads runs from (the local stores of a running coordinator, or wherever a test says). */
public interface RunLookup {
  /**
   * @return the run with its tasks, empty when no coordinator instance knows it
   * @throws IllegalStateException when the state is not queryable right now (rebalancing, restoring)
   */
  Optional<RunView> run(String runId);

  /**
   * A page of the runs this instance holds, newest first, without their tasks: read from the time-ordered run index,
   * never a scan of every run.
   *
   * @throws IllegalArgumentException when the query's cursor is not one
   * @throws IllegalStateException when the state is not queryable right now
   */
  RunPage runs(RunQuery query);

  /**
   * @return the backfill with each value's run, empty when no coordinator instance knows it
   * @throws IllegalStateException when the state is not queryable right now
   */
  default Optional<BackfillView> backfill(String backfillId) {
    return Optional.empty();
  }

  /**
   * @return the schedule, empty when no coordinator instance knows it
   * @throws IllegalStateException when the state is not queryable right now
   */
  default Optional<ScheduleView> schedule(String name) {
    return Optional.empty();
  }

  /**
   * Every schedule, by name: this instance's and, unless {@code localOnly}, every other instance's.
   *
   * @throws IllegalStateException when the state is not queryable right now
   */
  default java.util.List<ScheduleView> schedules(boolean localOnly) {
    return java.util.List.of();
  }
}
