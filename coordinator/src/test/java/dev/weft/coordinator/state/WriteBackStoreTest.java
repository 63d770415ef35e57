package dev.weft.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.io.TempDir;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Writes reach the store below only at the pre-commit flush, once per key; every read sees them before that. */
class WriteBackStoreTest {
  private WriteBackStore<TimerEntry> store;
  private KeyValueStore<String, TimerEntry> below;

  @BeforeEach
  void setUp() {
    store = (WriteBackStore<TimerEntry>) WriteBackStore.builder(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore("t"), Serdes.String(), new AvroStateSerde<>(TimerEntry.class))
        .withLoggingDisabled(), 10).build();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    below = store.wrapped();
  }

  @Test
  void shouldHoldWritesUntilTheFlushBeforeCommitAndServeThemMeanwhile() {
    TimerEntry a = entry("a", 1);
    store.put("k/a", a);
    a.setDueAtMs(2); // the applier's way: change the object read, then put it again
    store.put("k/a", a);
    store.put("k/b", entry("b", 3));
    store.delete("k/b");

    assertThat(store.get("k/a")).isSameAs(a);
    assertThat(store.get("k/b")).isNull();
    assertThat(below.get("k/a")).isNull();

    store.flushCache();

    assertThat(below.get("k/a").getDueAtMs()).isEqualTo(2);
    assertThat(below.get("k/b")).isNull();
    assertThat(store.get("k/a")).isSameAs(a); // kept decoded after the flush
  }

  @Test
  void shouldLetTheWritingThreadScanItsOwnWrites() {
    store.put("k/a", entry("a", 1));
    store.put("k/b", entry("b", 2));
    store.put("other/c", entry("c", 3));

    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, TimerEntry> it = store.prefixScan("k/", new StringSerializer())) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    assertThat(keys).containsExactly("k/a", "k/b");
  }

  @Test
  void shouldDropUnwrittenValuesWhenClosedAsAnAbortedTaskIs(@TempDir Path dir) {
    MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>(new Properties(), new TaskId(0, 0), dir.toFile());
    WriteBackStore<TimerEntry> persistent = (WriteBackStore<TimerEntry>) WriteBackStore.builder(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore("p"), Serdes.String(), new AvroStateSerde<>(TimerEntry.class))
        .withLoggingDisabled(), 10).build();
    persistent.init(ctx.getStateStoreContext(), persistent);
    persistent.put("k/a", entry("a", 1));
    persistent.flushCache();
    persistent.put("k/b", entry("b", 2));

    persistent.close();
    persistent.init(ctx.getStateStoreContext(), persistent);

    assertThat(persistent.get("k/a")).isNotNull();
    assertThat(persistent.get("k/b")).isNull();
    persistent.close();
  }

  private static TimerEntry entry(String task, long due) {
    return TimerEntry.newBuilder().setKind("ATTEMPT_LOST").setRunId("r").setTaskId(task).setAttempt(1).setDueAtMs(due).build();
  }
}
