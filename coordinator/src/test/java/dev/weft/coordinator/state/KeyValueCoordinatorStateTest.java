package dev.weft.coordinator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Due timers come out in due order, each once, including one added with a due time already past. */
class KeyValueCoordinatorStateTest {
  private KeyValueCoordinatorState state;

  @BeforeEach
  void setUp() {
    MockProcessorContext<Object, Object> ctx = new MockProcessorContext<>();
    state = new KeyValueCoordinatorState(store("runs", RunState.class, ctx), store("tasks", TaskState.class, ctx),
        store("timers", TimerEntry.class, ctx), store("run-index", RunIndexEntry.class, ctx));
  }

  @Test
  void shouldFireEachDueTimerOnceIncludingOnesAddedWithAPastDueTime() {
    state.putTimer(timer("a", 100));
    state.putTimer(timer("b", 5_000));

    assertThat(fire(1_000, 10)).containsExactly("a");
    assertThat(fire(2_000, 10)).isEmpty();

    // Due before the scan's resume point: an event carrying an old timestamp.
    state.putTimer(timer("late", 50));
    assertThat(fire(3_000, 10)).containsExactly("late");
    assertThat(fire(6_000, 10)).containsExactly("b");
  }

  @Test
  void shouldResumeWithinOneDueTimeWhenTheLimitCutsIt() {
    for (String t : List.of("a", "b", "c")) state.putTimer(timer(t, 100));
    state.putTimer(timer("d", 200));

    assertThat(fire(1_000, 2)).containsExactly("a", "b");
    assertThat(fire(1_000, 2)).containsExactly("c", "d");
    assertThat(fire(1_000, 2)).isEmpty();
  }

  /** What the timer decider and applier do: everything returned fires and is deleted. */
  private List<String> fire(long now, int limit) {
    List<TimerEntry> due = state.dueTimers(now, limit);
    due.forEach(state::deleteTimer);
    return due.stream().map(TimerEntry::getTaskId).toList();
  }

  private static TimerEntry timer(String task, long dueAtMs) {
    return TimerEntry.newBuilder().setKind("ATTEMPT_LOST").setRunId("r").setTaskId(task).setAttempt(1)
        .setDueAtMs(dueAtMs).build();
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> KeyValueStore<String, T> store(String name,
      Class<T> type, MockProcessorContext<Object, Object> ctx) {
    KeyValueStore<String, T> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
        new AvroStateSerde<>(type)).withLoggingDisabled().build();
    s.init(ctx.getStateStoreContext(), s);
    return s;
  }
}
