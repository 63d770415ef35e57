package dev.weft.executor;

import dev.weft.avro.TaskEvent;
import dev.weft.executor.backend.AttemptId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Events due that no command of the current poll caused: heartbeats, handles, tracking URLs, outcomes, adoption. The
 * loop sends them in its next transaction together with the poll's own records, and clears them once it committed.
 * Loop thread only.
 */
final class Outbox {
  private final List<Outgoing> items = new ArrayList<>();

  void add(TaskEvent event) {
    items.add(Outgoing.event(event));
  }

  boolean isEmpty() {
    return items.isEmpty();
  }

  int size() {
    return items.size();
  }

  /** What is due, in the order it became due. */
  List<Outgoing> items() {
    return items;
  }

  void clear() {
    items.clear();
  }

  /** Drops the events of these attempts: they were launched for a transaction that aborted (see ExecutorLoop). */
  void forget(Set<AttemptId> attempts) {
    items.removeIf(o -> o.isEvent() && attempts.contains(o.attemptId()));
  }
}
