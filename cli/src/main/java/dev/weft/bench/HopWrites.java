package dev.weft.bench;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What a relay of the dispatch section writes for one hop: the next chain task's command, keyed like the
 * coordinator's, and, for a relay that writes what the coordinator writes, as many records a task to each of the
 * coordinator's other topics, of the same sizes. The relays themselves ({@link ExactlyOnceRelay},
 * {@link StreamsRelay}) differ only in how they read and commit; what they write is this.
 */
final class HopWrites {
  /** One record to write. */
  record Write(String topic, String key, byte[] value) {}

  private final Topics topics;
  private final Serializer<TaskCommand> commands;
  private final List<TransactionCost.TopicWrites> alsoWrites;
  /** Per entry of {@link #alsoWrites}: the fraction of a record owed, carried from one task to the next. */
  private final double[] owed;

  /**
   * @param alsoWrites records a task to write beside each command, to these topics under the relay's prefix (created
   *     by the caller); an entry for the command topic itself is left out
   */
  HopWrites(BenchCluster cluster, Topics topics, List<TransactionCost.TopicWrites> alsoWrites) {
    this.topics = topics;
    String commandTopic = topics.commands("noop").substring(topics.prefix().length());
    this.alsoWrites = alsoWrites.stream().filter(w -> !w.topic().equals(commandTopic)).toList();
    this.owed = new double[this.alsoWrites.size()];
    this.commands = cluster.serdes.taskCommand().serializer();
  }

  /** The command of {@code taskId}; with it, what the coordinator writes besides, if this relay copies it. */
  List<Write> of(String runId, String taskId) {
    List<Write> out = new ArrayList<>(1 + alsoWrites.size() * 3);
    String topic = topics.commands("noop");
    out.add(new Write(topic, Topics.commandKey(runId, taskId), commands.serialize(topic, command(runId, taskId))));
    for (int w = 0; w < alsoWrites.size(); w++) {
      TransactionCost.TopicWrites writes = alsoWrites.get(w);
      owed[w] += writes.recordsPerTask();
      // Keyed by the task. The coordinator keys its task records so and its run records by run; a chain has one task
      // out at a time, so either key spreads them over the partitions alike.
      for (int n = 0; owed[w] >= 1; n++, owed[w] -= 1) {
        out.add(new Write(topics.prefix() + writes.topic(), runId + "/" + taskId + "/" + n,
            new byte[Math.max(1, writes.bytesPerRecord())]));
      }
    }
    return out;
  }

  /** A command like the one the coordinator writes for a chain task (its spec JSON shorter). */
  private static TaskCommand command(String runId, String taskId) {
    return TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId(runId).setTaskId(taskId).setAttempt(1)
        .setExecutor("noop").setPipeline("bench-chain").setIssuedAtMs(System.currentTimeMillis())
        .setTaskSpecJson("{\"id\":\"" + taskId + "\",\"executor\":\"noop\"}").setTimeoutMs(0).setHeartbeatIntervalMs(0)
        .setReason(null).build();
  }
}
