package dev.weft.coordinator.state;

import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Shallow copies of stored values, for an applier to change without touching the shared object that the stores (and
 * their decoded-value caches) hold. Shallow is enough because appliers replace a collection field with a new one and
 * never change one in place; a field-by-field copy costs a few dozen reference moves, where Avro's deep copy (what the
 * generated builders do) copied every list and string of a task.
 */
final class StateCopies {
  private StateCopies() {}

  static <T extends SpecificRecordBase> T copy(T value, Supplier<T> empty) {
    if (value == null) return null;
    T c = empty.get();
    int fields = value.getSchema().getFields().size();
    for (int i = 0; i < fields; i++) c.put(i, value.get(i));
    return c;
  }

  static RunState copy(RunState run) {
    return copy(run, RunState::new);
  }

  static TaskState copy(TaskState task) {
    return copy(task, TaskState::new);
  }
}
