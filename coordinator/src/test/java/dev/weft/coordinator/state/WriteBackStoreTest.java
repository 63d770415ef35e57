package dev.weft.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
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
  private final List<String> calls = new ArrayList<>();
  private KeyValueStore<String, TimerEntry> real;

  @BeforeEach
  void setUp() {
    store = inMemory("t");
    below = store.wrapped();
  }

  private static WriteBackStore<TimerEntry> inMemory(String name) {
    WriteBackStore<TimerEntry> s = (WriteBackStore<TimerEntry>) WriteBackStore.builder(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(name), Serdes.String(), new AvroStateSerde<>(TimerEntry.class))
        .withLoggingDisabled(), 10).build();
    s.init(new MockProcessorContext<>().getStateStoreContext(), s);
    return s;
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
  void shouldWriteBackEveryStoreThisThreadWroteAtTheFirstFlush() throws InterruptedException {
    // One stream thread's tasks share a transaction; their writes go out together, in one produce round trip.
    WriteBackStore<TimerEntry> otherTask = inMemory("other-task");
    WriteBackStore<TimerEntry> otherThread = inMemory("other-thread");
    Thread writer = new Thread(() -> otherThread.put("k/c", entry("c", 3)));
    writer.start();
    writer.join();
    store.put("k/a", entry("a", 1));
    otherTask.put("k/b", entry("b", 2));

    store.flushCache();

    assertThat(store.wrapped().get("k/a")).isNotNull();
    assertThat(otherTask.wrapped().get("k/b")).isNotNull();
    assertThat(otherThread.wrapped().get("k/c")).isNull(); // another thread's transaction: not this flush's to write
    otherThread.flushCache();
    assertThat(otherThread.wrapped().get("k/c")).isNotNull();
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

  @Test
  void shouldWriteNothingBelowForANewKeyDeletedBeforeItsWriteBack() {
    WriteBackStore<TimerEntry> wb = overRecordingStore(10);
    wb.put("k/old", entry("old", 1));
    wb.flushCache();
    calls.clear();

    wb.putNew("k/new", entry("new", 2));
    wb.put("k/new", null);
    wb.delete("k/old");
    wb.putNew("k/old", entry("old", 3)); // deleted in this interval, but the store below still holds it
    wb.put("k/old", null);
    wb.putNew("k/kept", entry("kept", 4));
    wb.flushCache();

    assertThat(calls).containsExactlyInAnyOrder("delete k/old", "put k/kept");
    assertThat(real.get("k/old")).isNull();
    assertThat(real.get("k/new")).isNull();
    assertThat(real.get("k/kept").getDueAtMs()).isEqualTo(4);
  }

  @Test
  void shouldKeepOnlyTheLastWrittenCleanValuesAfterAWriteBack() {
    WriteBackStore<TimerEntry> wb = overRecordingStore(3);
    for (int i = 0; i < 6; i++) wb.put("k/" + i, entry("t" + i, i));
    wb.flushCache();
    calls.clear();

    for (int i : new int[] {3, 4, 5}) assertThat(wb.get("k/" + i).getDueAtMs()).isEqualTo(i);
    assertThat(calls).isEmpty(); // kept decoded: at most three

    assertThat(wb.get("k/0").getDueAtMs()).isEqualTo(0);
    assertThat(calls).containsExactly("get k/0");
  }

  /** A write-back store over {@link #real}, with every get, put and delete that reaches it noted in {@link #calls}. */
  private WriteBackStore<TimerEntry> overRecordingStore(int maxClean) {
    real = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("r"), Serdes.String(),
        new AvroStateSerde<>(TimerEntry.class)).withLoggingDisabled().withCachingDisabled().build();
    WriteBackStore<TimerEntry> wb = new WriteBackStore<>(recording(real, calls), maxClean);
    wb.init(new MockProcessorContext<>().getStateStoreContext(), wb);
    return wb;
  }

  @SuppressWarnings("unchecked")
  private static KeyValueStore<String, TimerEntry> recording(KeyValueStore<String, TimerEntry> real, List<String> writes) {
    return (KeyValueStore<String, TimerEntry>) Proxy.newProxyInstance(KeyValueStore.class.getClassLoader(),
        new Class<?>[] {KeyValueStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("put") || method.getName().equals("delete") || method.getName().equals("get")) {
            writes.add(method.getName() + " " + args[0]);
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private static TimerEntry entry(String task, long due) {
    return TimerEntry.newBuilder().setKind("ATTEMPT_LOST").setRunId("r").setTaskId(task).setAttempt(1).setDueAtMs(due).build();
  }
}
