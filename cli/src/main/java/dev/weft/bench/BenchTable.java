package dev.weft.bench;

import java.util.List;
import java.util.Map;

/** The benchmark's result as the table {@code weft bench} prints without {@code --json}: each figure, its verdict. */
final class BenchTable {
  private BenchTable() {}

  static String render(Map<String, Object> r) {
    StringBuilder sb = new StringBuilder();
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) r.get("settings");
    sb.append(String.format("Weft benchmark (%s), %s, %s cores, %s partitions, commit interval %s ms, exactly_once_v2%n",
        s.get("mode"), s.get("date"), s.get("cores"), s.get("partitions"), s.get("commit_interval_ms")));
    sb.append(String.format("throughput, passthrough and replay: median of %s measured rounds after %s warm-up rounds%n",
        s.get("measured_rounds"), s.get("warmup_rounds")));
    sb.append(String.format("%-32s %14s   %-7s %s%n", "figure", "value", "", "target (this machine, full run)"));
    row(sb, r, "throughput_tasks_per_s", "");
    row(sb, r, "passthrough_tasks_per_s", "(the limit: a Streams passthrough, interleaved)");
    row(sb, r, "limit_ratio", "");
    row(sb, r, "coordinator_cpu_us_per_task", "(its stream thread's CPU time, the median round)");
    row(sb, r, "dispatch_p50_ms", "(measured at " + r.get("dispatch_rate_tasks_per_s") + " tasks/s)");
    row(sb, r, "dispatch_p99_ms", "");
    row(sb, r, "dispatch_max_ms", "");
    row(sb, r, "dispatch_missing_samples", "(completions whose next command was never read)");
    row(sb, r, "dispatch_floor_p50_ms", "(Kafka's floor: a bare exactly-once relay committing at once)");
    row(sb, r, "dispatch_floor_p99_ms", "");
    row(sb, r, "dispatch_batching_floor_p50_ms", "(the relay committing on the coordinator's interval)");
    row(sb, r, "dispatch_batching_floor_p99_ms", "");
    row(sb, r, "dispatch_relay_with_coordinator_records_p50_ms", "(that relay writing the coordinator's records too)");
    row(sb, r, "dispatch_relay_with_coordinator_records_p99_ms", "");
    row(sb, r, "dispatch_streams_relay_p50_ms", "(the same hop in Kafka Streams, writing those records)");
    row(sb, r, "dispatch_streams_relay_p99_ms", "");
    row(sb, r, "dispatch_p50_vs_floor", "");
    row(sb, r, "dispatch_p99_vs_floor", "");
    row(sb, r, "dispatch_idle_hop_p50_ms", "(one such hop alone)");
    row(sb, r, "large_run_tasks", "100,000 (--quick: 20,000)");
    row(sb, r, "large_run_s", "");
    row(sb, r, "large_run_heap_mb", "");
    row(sb, r, "large_run_heap_in_use_mb", "(live and garbage; grows with -Xmx, max " + s.get("max_heap_mb") + " MB)");
    row(sb, r, "per_task_cost_ratio", "");
    row(sb, r, "million_tasks", "(one run: a map of that many; and maps of its root in a chain)");
    row(sb, r, "million_run_s", "");
    row(sb, r, "million_heap_mb", "");
    row(sb, r, "million_per_task_cost_ratio", "");
    row(sb, r, "million_state_store_mb", "(the coordinator's state directory after both runs)");
    row(sb, r, "state_store_mb", "");
    row(sb, r, "replay_events_per_s", "");
    row(sb, r, "replay_cpu_us_per_record", "(the replay's stream thread's CPU time)");
    row(sb, r, "expiry_runs", "(runs finished, then expired)");
    row(sb, r, "expiry_live_runs_before", "");
    row(sb, r, "expiry_live_runs_after", "");
    row(sb, r, "expiry_store_bytes_before", "");
    row(sb, r, "expiry_store_bytes_after", "(RocksDB keeps tombstones until compaction)");
    row(sb, r, "expiry_heap_before_gc_bytes", "");
    row(sb, r, "expiry_heap_after_gc_bytes", "back near expiry_heap_idle_bytes");
    row(sb, r, "single_task_run_s", "");
    row(sb, r, "chain_hop_p50_ms", "");
    row(sb, r, "layered_1000_wall_s", "");
    row(sb, r, "process_tasks_per_s", "(2 instances of the process executor running `true`)");
    row(sb, r, "process_floor_tasks_per_s", "(`true` forked in a loop)");
    row(sb, r, "process_floor_ratio", "");
    row(sb, r, "process_backend_alone_tasks_per_s", "(the process backend alone, no Kafka, 16 at once)");
    row(sb, r, "process_group_floor_tasks_per_s", "(`setsid true` forked in a loop: a task in its own group)");
    row(sb, r, "process_group_floor_ratio", "");
    row(sb, r, "container_tasks_per_s", "(the container executor)");
    row(sb, r, "container_floor_tasks_per_s", "(`docker run --rm` in a loop)");
    row(sb, r, "container_floor_ratio", "");
    row(sb, r, "time_to_first_task_s", "(`weft run` of 2 tasks, a command of its own)");
    row(sb, r, "weft_run_wall_s", "");
    row(sb, r, "cli_start_floor_s", "(`weft --version`: any command's JVM start)");
    if (r.get("details") instanceof Map<?, ?> d && d.get("container") instanceof Map<?, ?> c && c.get("skipped") != null) {
      sb.append(String.format("%-32s %14s   %s%n", "container_tasks_per_s", "skipped", c.get("skipped")));
    }
    List<String> missed = BenchTargets.missed(BenchTargets.judge(r));
    sb.append(missed.isEmpty() ? String.format("every target measured was met%n")
        : String.format("missed: %s%n", String.join(", ", missed)));
    sb.append(String.format("total %s s; load average at the end %s%n", s.get("total_s"), s.get("load_average_at_end")));
    return sb.toString();
  }

  /** One figure with its verdict and target when it has one, else with the note; nothing when its section did not run. */
  private static void row(StringBuilder sb, Map<String, Object> r, String key, String note) {
    if (!r.containsKey(key)) return;
    BenchTargets.Target t = BenchTargets.of(key);
    String verdict = "";
    String text = note;
    if (t != null && r.get(key) instanceof Number n) {
      verdict = t.met(n.doubleValue()) ? "met" : "MISSED";
      text = note.isEmpty() ? t.text() : t.text() + " " + note;
    }
    sb.append(String.format("%-32s %14s   %-7s %s%n", key, r.get(key), verdict, text));
  }

}
