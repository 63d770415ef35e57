package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a mapped task is expanded over; exactly one of:
 * <ul>
 *   <li>{@code mapOver: {task: list-files}}: one instance per item of the JSON array that task {@code task} wrote to
 *       its result file ({@code $WEFT_RESULT_FILE}). The template waits for {@code task} (it need not be named in
 *       {@code dependsOn}); each instance sees its item as {@code ${item}} (and {@code ${item.field}} when items are
 *       objects).</li>
 *   <li>{@code mapOver: {count: 1000}}: {@code count} instances, {@code ${item}} being the instance's index (0 to
 *       count − 1), as Argo's {@code withSequence} and Airflow's {@code expand} over a range. No other task's result is
 *       needed, so no run's result has to hold a million items; the coordinator creates and dispatches the instances in
 *       slices when the task starts.</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MapOverSpec(String task, Integer count) {
  /** Mapped over another task's result. */
  public static MapOverSpec overTask(String task) {
    return new MapOverSpec(task, null);
  }

  /** Mapped over the indices 0 to {@code count} − 1. */
  public static MapOverSpec overCount(int count) {
    return new MapOverSpec(null, count);
  }
}
