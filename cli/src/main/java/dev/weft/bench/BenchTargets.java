package dev.weft.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The targets of the benchmark's figures (issue 16 and docs/performance.md), each judged met or missed against the
 * figure measured in the same run. A figure whose section did not run is not judged. {@code weft bench --check}
 * exits non-zero when one is missed.
 */
final class BenchTargets {
  /** A figure's target: at least or at most {@code bound}. */
  record Target(String figure, boolean atLeast, double bound, String text) {
    boolean met(double value) {
      return atLeast ? value >= bound : value <= bound;
    }
  }

  static final List<Target> ALL = List.of(
      new Target("throughput_tasks_per_s", true, 5_000, ">= 5,000"),
      new Target("limit_ratio", true, 0.5, ">= 0.5 of the passthrough"),
      new Target("dispatch_p50_ms", false, 10, "<= 10 at 1,000 tasks/s"),
      new Target("dispatch_p99_ms", false, 50, "<= 50 at 1,000 tasks/s"),
      new Target("dispatch_p50_vs_floor", false, 1.2, "<= 1.2x the better floor's p50, at every load"),
      new Target("dispatch_p99_vs_floor", false, 1.2, "<= 1.2x the better floor's p99, at every load"),
      new Target("large_run_heap_mb", false, 1_024, "<= 1,024 (live: peak right after a collection)"),
      new Target("per_task_cost_ratio", false, 1.5, "<= 1.5 (both sides throughput-bound)"),
      new Target("million_heap_mb", false, 1_024, "<= 1,024 (live, during a 1,000,000-task run)"),
      new Target("million_per_task_cost_ratio", false, 1.5, "<= 1.5 against 20 runs of 1,000 at once"),
      new Target("replay_events_per_s", true, 50_000, ">= 50,000"),
      new Target("expiry_live_runs_after", false, 0, "0"),
      new Target("process_floor_ratio", true, 0.5, ">= 0.5 of the fork floor, 2 instances"),
      new Target("container_floor_ratio", true, 0.7, ">= 0.7 of the docker run floor"),
      new Target("single_task_run_s", false, 1.5, "<= 1.5, command to summary"),
      new Target("chain_hop_p50_ms", false, 15, "<= 15"),
      new Target("layered_1000_wall_s", false, 3, "<= 3 (Luigi's local scheduler: 3.2 here)"),
      new Target("weft_run_wall_s", false, 6, "<= 6, command to summary"));

  private BenchTargets() {}

  /** The target of {@code figure}, or null. */
  static Target of(String figure) {
    for (Target t : ALL) if (t.figure().equals(figure)) return t;
    return null;
  }

  /** "met" or "MISSED" per judged figure, in the order of {@link #ALL}. */
  static Map<String, String> judge(Map<String, Object> figures) {
    Map<String, String> verdicts = new LinkedHashMap<>();
    for (Target t : ALL) {
      if (figures.get(t.figure()) instanceof Number n) verdicts.put(t.figure(), t.met(n.doubleValue()) ? "met" : "MISSED");
    }
    return verdicts;
  }

  /** The figures that missed their target. */
  static List<String> missed(Map<String, String> verdicts) {
    List<String> missed = new ArrayList<>();
    verdicts.forEach((figure, verdict) -> {
      if (!verdict.equals("met")) missed.add(figure);
    });
    return missed;
  }
}
