package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What a full executor keeps of what it read, and in which order it hands it back. */
class HeldCommandsTest {
  private static final String TOPIC = "commands.process";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
  private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
  private final HeldCommands held = new HeldCommands();

  private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
    return new ConsumerRecord<>(TOPIC, partition, offset, new byte[0], new byte[0]);
  }

  private static List<String> names(List<ConsumerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> r.partition() + "@" + r.offset()).toList();
  }

  @Test
  void shouldHoldFromTheFirstUnhandledRecordOfEachPartitionAndHandItBackBeforeThePollsRecords() {
    List<ConsumerRecord<byte[], byte[]>> read = held.toHandle(
        List.of(record(0, 5), record(1, 7), record(0, 6), record(0, 7), record(1, 8)), true);
    held.holdUnhandled(read, Map.of(P0, 6L));

    assertThat(held.firstOffsets()).isEqualTo(Map.of(P0, 6L));
    assertThat(names(held.toHandle(List.of(record(1, 9), record(0, 8)), true)))
        .containsExactly("0@6", "0@7", "1@9", "0@8");
    assertThat(held.isEmpty()).isTrue();
  }

  @Test
  void shouldKeepThePollsRecordsBehindTheHeldOnesOfTheirPartitionWhileThereIsNoRoom() {
    held.holdUnhandled(held.toHandle(List.of(record(0, 5), record(0, 6)), true), Map.of(P0, 5L));

    List<ConsumerRecord<byte[], byte[]>> now = held.toHandle(List.of(record(0, 7), record(1, 3)), false);

    assertThat(names(now)).as("another partition's records go on").containsExactly("1@3");
    assertThat(names(held.toHandle(List.of(), true))).containsExactly("0@5", "0@6", "0@7");
  }

  @Test
  void shouldDropWhatIsHeldOfARevokedPartition() {
    held.holdUnhandled(held.toHandle(List.of(record(0, 5), record(1, 2)), true), Map.of(P0, 5L, P1, 2L));

    held.drop(List.of(P1));

    assertThat(held.firstOffsets()).isEqualTo(Map.of(P0, 5L));
  }
}
