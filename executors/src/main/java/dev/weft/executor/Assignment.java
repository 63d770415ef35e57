package dev.weft.executor;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command partitions this instance holds, kept up to date by the consumer's rebalance callbacks and readable from
 * any thread. Nothing is committed on revocation: every poll is committed before the next poll, the only call the
 * callbacks come from.
 */
final class Assignment implements ConsumerRebalanceListener {
  private static final Logger log = LoggerFactory.getLogger(Assignment.class);

  private final String name;
  private volatile Set<TopicPartition> partitions = Set.of();
  /** Told on the loop's thread (in its poll) which partitions went; set once, before the first poll. */
  private Consumer<Collection<TopicPartition>> onRevoked = revoked -> {};

  Assignment(String name) {
    this.name = name;
  }

  Set<TopicPartition> partitions() {
    return partitions;
  }

  /** {@code action} is called with the partitions revoked or lost, from the poll that learned it. */
  void whenRevoked(Consumer<Collection<TopicPartition>> action) {
    this.onRevoked = action;
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
    Set<TopicPartition> now = new HashSet<>(partitions);
    now.removeAll(revoked);
    partitions = Set.copyOf(now);
    onRevoked.accept(revoked);
    log.info("executor {}: partitions revoked {}", name, revoked);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
    Set<TopicPartition> now = new HashSet<>(partitions);
    now.addAll(assigned);
    partitions = Set.copyOf(now);
    log.info("executor {}: partitions assigned {}", name, assigned);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> lost) {
    onPartitionsRevoked(lost);
  }
}
