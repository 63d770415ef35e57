package dev.weft.executor;

import dev.weft.avro.TaskEvent;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What the {@link CommandHandler} decided for one poll of commands, as a value (the coordinator's {@code Decision},
 * Kafka's {@code CoordinatorResult}). The loop carries it out: it stops what {@link #cancels} names at once, sends
 * {@link #records} and commits {@link #commitUpTo} in ONE transaction, and launches {@link #launches} only once that
 * transaction committed (at most one start per attempt).
 *
 * @param records         events (STARTED, SKIPPED, FAILED, CANCELLED) and dead-letter copies, in the order decided
 * @param launches        attempts to launch once the transaction committed, in the order their RUNs were read
 * @param cancels         attempts running here to stop now (a CANCEL for them)
 * @param unwatchedStops  attempts not running here whose work the backend should look for and stop
 * @param seen            attempts decided on, to remember once the transaction committed
 * @param commitUpTo      per partition, the offset after the last record handled
 * @param firstOffsets    per partition, the first record handled: where to read again if the transaction fails
 * @param readAgainFrom   per partition, the first record not handled (a RUN with every slot taken, the registry
 *                        down): it and everything after it on that partition are handled again later
 *                        ({@link HeldCommands})
 * @param registryRetryAt until when nothing is decoded, when the schema registry did not answer; else as it was
 * @param tally           what was read, for the counters
 */
record CommandPlan(
    List<Outgoing> records,
    List<Launch> launches,
    List<Stop> cancels,
    List<Stop> unwatchedStops,
    Set<AttemptId> seen,
    Map<TopicPartition, Long> commitUpTo,
    Map<TopicPartition, Long> firstOffsets,
    Map<TopicPartition, Long> readAgainFrom,
    long registryRetryAt,
    Tally tally) {

  /** An attempt to launch, with its STARTED stamp (its lease runs from there) and its heartbeat settings. */
  record Launch(AttemptRequest request, long heartbeatMs, long heartbeatTimeoutMs, long startedAtMs) {
    AttemptId id() {
      return request.id();
    }
  }

  record Stop(AttemptId id, String reason) {}

  /** Commands read, and how many of each outcome. */
  record Tally(long commands, long duplicates, long skipped, long invalidSpecs, long cancels, long unknownCancels,
      long registryWaits) {}

  /** Whether the plan needs no transaction: nothing to send and no offset to commit. */
  boolean isEmpty() {
    return records.isEmpty() && commitUpTo.isEmpty();
  }

  /** Collects a plan while the handler reads a poll's records in order. */
  static final class Builder {
    final List<Outgoing> records = new ArrayList<>();
    final Map<AttemptId, Launch> launches = new LinkedHashMap<>();
    final List<Stop> cancels = new ArrayList<>();
    final Set<AttemptId> cancelled = new HashSet<>();
    final List<Stop> unwatchedStops = new ArrayList<>();
    final Set<AttemptId> seen = new HashSet<>();
    final Map<TopicPartition, Long> commitUpTo = new HashMap<>();
    final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    final Map<TopicPartition, Long> readAgainFrom = new HashMap<>();
    long registryRetryAt;
    long commands;
    long duplicates;
    long skipped;
    long invalidSpecs;
    long cancelCount;
    long unknownCancels;
    long registryWaits;

    Builder(long registryRetryAt) {
      this.registryRetryAt = registryRetryAt;
    }

    void event(TaskEvent e) {
      records.add(Outgoing.event(e));
    }

    CommandPlan build() {
      return new CommandPlan(List.copyOf(records), List.copyOf(launches.values()), List.copyOf(cancels),
          List.copyOf(unwatchedStops), Set.copyOf(seen), Map.copyOf(commitUpTo), Map.copyOf(firstOffsets),
          Map.copyOf(readAgainFrom), registryRetryAt,
          new Tally(commands, duplicates, skipped, invalidSpecs, cancelCount, unknownCancels, registryWaits));
    }
  }
}
