package dev.weft.executor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Command records read but not handled yet: a RUN while every slot is taken, and what follows it on its partition
 * (or any record while the schema registry does not answer). They are handled before the next poll's records, in
 * the order read, without reading them again.
 *
 * <p>Why not seek back and read them again, as until 2026-12-02: a slot freed by an outcome then cost a fetch
 * before its next RUN could be handled, and the outcome and that RUN's STARTED went in two transactions. Held, the
 * RUN is handled in the iteration that applies the outcome, and both commit in one.
 *
 * <p>Nothing held is committed: the offsets the loop commits stop before the first held record of each partition
 * ({@link CommandPlan#commitUpTo()}), so a crash, a revoked partition or a failed transaction leaves them to be read
 * again from the committed offset. While every slot is taken the loop pauses its partitions, so no more than a
 * poll's records are held. Owned by the loop's thread, like the consumer.
 */
final class HeldCommands {
  private List<ConsumerRecord<byte[], byte[]>> held = new ArrayList<>();

  /**
   * The records to handle now: the held ones, then the poll's; nothing stays held until {@link #holdUnhandled} says
   * so. Without {@code room} (every slot taken, or the registry not answering) the head of each held partition could
   * not be handled, and handling it would decode it, parse its spec and check its output again on every poll: they
   * stay held, with the poll's records of their partitions behind them.
   */
  List<ConsumerRecord<byte[], byte[]>> toHandle(Iterable<ConsumerRecord<byte[], byte[]>> polled, boolean room) {
    List<ConsumerRecord<byte[], byte[]>> now;
    if (room) {
      now = held;
      held = new ArrayList<>();
      polled.forEach(now::add);
      return now;
    }
    now = new ArrayList<>();
    Set<TopicPartition> waiting = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : held) waiting.add(new TopicPartition(r.topic(), r.partition()));
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      if (waiting.contains(new TopicPartition(r.topic(), r.partition()))) held.add(r);
      else now.add(r);
    }
    return now;
  }

  /**
   * Holds, of the records just handled, those from the first unhandled one of each partition on.
   *
   * @param readAgainFrom per partition, the offset of the first record not handled
   */
  void holdUnhandled(List<ConsumerRecord<byte[], byte[]>> records, Map<TopicPartition, Long> readAgainFrom) {
    if (readAgainFrom.isEmpty()) return;
    for (ConsumerRecord<byte[], byte[]> r : records) {
      Long from = readAgainFrom.get(new TopicPartition(r.topic(), r.partition()));
      if (from != null && r.offset() >= from) held.add(r);
    }
  }

  /** Per partition, the offset of the first record held: where to read from once they are given up. */
  Map<TopicPartition, Long> firstOffsets() {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : held) {
      first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
    }
    return first;
  }

  /** Gives up what is held of partitions this instance no longer owns: their next owner reads them. */
  void drop(Collection<TopicPartition> partitions) {
    held.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
  }

  void clear() {
    held = new ArrayList<>();
  }

  boolean isEmpty() {
    return held.isEmpty();
  }
}
