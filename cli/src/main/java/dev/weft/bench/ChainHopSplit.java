package dev.weft.bench;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where a chain's hops go. The single section's task-events and commands topics are stamped by the broker
 * ({@code LogAppendTime}), so every hop from task <i>i</i>'s end to task <i>i+1</i>'s end splits into four legs, each
 * between two stamps of this machine's clock:
 *
 * <ol>
 *   <li>{@code executor_send}: the executor stamps the SUCCEEDED → the broker appends it (the executor's transaction
 *       has begun; its commit is not in this leg);
 *   <li>{@code to_command}: → the broker appends the next task's command: the executor's commit, the coordinator's
 *       read_committed fetch, its fold and decision, its send;
 *   <li>{@code to_start}: → the executor stamps the next task's STARTED: the coordinator's wait for its commit
 *       interval and its commit, the executor's fetch and decode;
 *   <li>{@code start_to_end}: → the executor stamps that task's SUCCEEDED (a noop attempt ends at once).
 * </ol>
 */
final class ChainHopSplit {
  static final List<String> LEGS = List.of("executor_send", "to_command", "to_start", "start_to_end");

  private record Stamps(long endAt, long endAppended, long startAt, long commandAppended) {}

  private final Map<String, List<Double>> legs = new LinkedHashMap<>();

  ChainHopSplit() {
    for (String leg : LEGS) legs.put(leg, new ArrayList<>());
  }

  /** Reads the whole of both topics and adds the hops of {@code runIds}' chains. */
  void add(String bootstrap, WeftSerdes serdes, Topics topics, String executor, Set<String> runIds) {
    Map<String, Stamps> byTask = new HashMap<>();
    String events = topics.taskEvents();
    String commands = topics.commands(executor);
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(bootstrap, List.of(events, commands))) {
      if (r.topic().equals(events)) {
        TaskEvent e = serdes.taskEvent().deserializer().deserialize(events, r.value());
        if (!runIds.contains(e.getRunId())) continue;
        String key = e.getRunId() + "/" + e.getTaskId();
        Stamps s = byTask.getOrDefault(key, new Stamps(-1, -1, -1, -1));
        if (e.getKind() == TaskEventKind.STARTED) {
          s = new Stamps(s.endAt, s.endAppended, e.getAtMs(), s.commandAppended);
        } else if (e.getKind() == TaskEventKind.SUCCEEDED) {
          s = new Stamps(e.getAtMs(), r.timestamp(), s.startAt, s.commandAppended);
        }
        byTask.put(key, s);
      } else {
        TaskCommand c = serdes.taskCommand().deserializer().deserialize(commands, r.value());
        if (c.getKind() != CommandKind.RUN || !runIds.contains(c.getRunId())) continue;
        String key = c.getRunId() + "/" + c.getTaskId();
        Stamps s = byTask.getOrDefault(key, new Stamps(-1, -1, -1, -1));
        byTask.put(key, new Stamps(s.endAt, s.endAppended, s.startAt, r.timestamp()));
      }
    }
    for (String runId : runIds) {
      for (int i = 1; ; i++) {
        Stamps before = byTask.get(runId + "/" + Shapes.chainTask(i - 1));
        Stamps after = byTask.get(runId + "/" + Shapes.chainTask(i));
        if (before == null || after == null) break;
        legs.get("executor_send").add((double) (before.endAppended - before.endAt));
        legs.get("to_command").add((double) (after.commandAppended - before.endAppended));
        legs.get("to_start").add((double) (after.startAt - after.commandAppended));
        legs.get("start_to_end").add((double) (after.endAt - after.startAt));
      }
    }
  }

  /** Each leg's p50 and p99 in milliseconds, and the number of hops. */
  Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    legs.forEach((leg, values) -> {
      long[] sorted = values.stream().mapToLong(Math::round).sorted().toArray();
      out.put(leg + "_p50_ms", sorted.length == 0 ? null : DispatchBench.percentile(sorted, 0.5));
      out.put(leg + "_p99_ms", sorted.length == 0 ? null : DispatchBench.percentile(sorted, 0.99));
    });
    out.put("hops", legs.get("to_command").size());
    return out;
  }
}
