package dev.weft.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What a dispatcher's transactions cost over a measured window, from its producer's own metrics: how many it
 * committed, how long each spent in the producer's flush (waiting for every record of the transaction to be acked),
 * in sending its consumer offsets and in the commit itself, and how many records it carried, by topic. The dispatch
 * section prints it beside each latency, so that a gap between the coordinator and a floor can be read off the same
 * run: a longer commit is a longer wait for every command it carries, and a longer cycle between commits too.
 */
final class TransactionCost {
  /** Cumulative counters at one moment. */
  record Snapshot(double transactions, double flushNs, double offsetsNs, double commitNs,
      Map<String, Double> recordsByTopic, Map<String, Double> bytesByTopic) {
    /**
     * @param transactions how many transactions the dispatcher has committed (its own count: the producer has none)
     * @param topicPrefix stripped from topic names, so that every dispatcher's topics read alike
     */
    static Snapshot of(double transactions, Map<MetricName, ? extends Metric> metrics, String topicPrefix) {
      double flush = 0;
      double offsets = 0;
      double commit = 0;
      Map<String, Double> byTopic = new TreeMap<>();
      Map<String, Double> bytes = new TreeMap<>();
      for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
        MetricName n = e.getKey();
        if (!(e.getValue().metricValue() instanceof Double v)) continue;
        if (n.group().equals("producer-metrics")) {
          switch (n.name()) {
            case "flush-time-ns-total" -> flush += v;
            case "txn-send-offsets-time-ns-total" -> offsets += v;
            case "txn-commit-time-ns-total" -> commit += v;
            default -> { }
          }
        } else if (n.group().equals("producer-topic-metrics")
            && (n.name().equals("record-send-total") || n.name().equals("byte-total"))) {
          String topic = n.tags().getOrDefault("topic", "?");
          if (topic.startsWith(topicPrefix)) topic = topic.substring(topicPrefix.length());
          (n.name().equals("byte-total") ? bytes : byTopic).merge(topic, v, Double::sum);
        }
      }
      return new Snapshot(transactions, flush, offsets, commit, byTopic, bytes);
    }
  }

  private final double transactions;
  private final double seconds;
  private final double tasks;
  private final double flushMs;
  private final double offsetsMs;
  private final double commitMs;
  private final Map<String, Double> recordsByTopic = new TreeMap<>();
  private final Map<String, Double> bytesByTopic = new TreeMap<>();

  /** The cost between two snapshots {@code seconds} apart, during which {@code tasks} tasks were dispatched. */
  TransactionCost(Snapshot from, Snapshot to, double seconds, double tasks) {
    this.transactions = to.transactions() - from.transactions();
    this.seconds = seconds;
    this.tasks = tasks;
    double per = Math.max(1, transactions) * 1e6;
    this.flushMs = (to.flushNs() - from.flushNs()) / per;
    this.offsetsMs = (to.offsetsNs() - from.offsetsNs()) / per;
    this.commitMs = (to.commitNs() - from.commitNs()) / per;
    to.recordsByTopic().forEach((t, v) -> recordsByTopic.put(t, v - from.recordsByTopic().getOrDefault(t, 0.0)));
    to.bytesByTopic().forEach((t, v) -> bytesByTopic.put(t, v - from.bytesByTopic().getOrDefault(t, 0.0)));
  }

  /**
   * What the dispatcher wrote for each task it dispatched, by topic (its prefix stripped): records a task, and the
   * bytes of each as its producer sent them (batch headers shared out). What {@link ExactlyOnceRelay} copies when it
   * writes what the coordinator writes.
   */
  List<TopicWrites> writesPerTask() {
    List<TopicWrites> list = new ArrayList<>();
    recordsByTopic.forEach((t, v) -> {
      if (v <= 0) return;
      list.add(new TopicWrites(t, v / Math.max(1, tasks), (int) Math.round(bytesByTopic.getOrDefault(t, 0.0) / v)));
    });
    return list;
  }

  /** Records a task to one topic, and the bytes of each. */
  record TopicWrites(String topic, double recordsPerTask, int bytesPerRecord) {}

  private double records() {
    return recordsByTopic.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** The wait of one commit: flush, offsets and the commit itself. */
  double commitWaitMs() {
    return flushMs + offsetsMs + commitMs;
  }

  Map<String, Object> figures() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("transactions_per_s", Benchmark.round(transactions / seconds));
    m.put("flush_ms_per_transaction", Benchmark.round(flushMs));
    m.put("send_offsets_ms_per_transaction", Benchmark.round(offsetsMs));
    m.put("commit_ms_per_transaction", Benchmark.round(commitMs));
    m.put("records_per_transaction", Benchmark.round(records() / Math.max(1, transactions)));
    Map<String, Object> perTask = new LinkedHashMap<>();
    recordsByTopic.forEach((t, v) -> perTask.put(t, Benchmark.round(v / Math.max(1, tasks))));
    m.put("records_per_task_by_topic", perTask);
    return m;
  }

  /** One line: the cycle, the commit's parts and what each transaction carried. */
  String describe() {
    StringBuilder topics = new StringBuilder();
    recordsByTopic.forEach((t, v) -> {
      if (v / Math.max(1, tasks) >= 0.05) {
        topics.append(topics.isEmpty() ? "" : ", ").append(String.format("%s %.1f", t, v / Math.max(1, tasks)));
      }
    });
    return String.format("%.0f transactions/s (one every %.1f ms), each waiting %.1f ms (flush %.1f, offsets %.1f, "
            + "commit %.1f) with %.0f records; records a task: %s", transactions / seconds,
        1000 * seconds / Math.max(1, transactions), commitWaitMs(), flushMs, offsetsMs, commitMs,
        records() / Math.max(1, transactions), topics);
  }
}
