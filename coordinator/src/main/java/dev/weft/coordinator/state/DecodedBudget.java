package dev.weft.coordinator.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * How many decoded values some write-back stores keep between them after their commit ({@link CleanValues}), and
 * which of them gives one up when there are too many: the store whose least recently used value was used longest
 * ago, so that together they evict the least recently used value of all.
 *
 * <p>Why shared: the tasks store has one instance per partition, and a bound per instance is either too small for
 * one large run or too large for a coordinator with many partitions. A run's events come in about the order its
 * tasks were dispatched, so a bound smaller than a run's tasks in flight keeps none of the ones read next: with
 * 20,000 per partition the 100,000-task fan-out read four in five of its tasks back from RocksDB, and with 120,000
 * per partition a coordinator of twelve partitions could keep 1.4 million (docs/performance.md, 2026-12-03). One
 * budget per stream thread gives one busy partition the whole budget and bounds the thread's heap.
 *
 * <p>Only the thread that writes the member stores (their stream thread) adds values and evicts; it takes each
 * other member's lock to read its eldest or evict it, while holding its own store's, and no other thread takes two
 * stores' locks. Query threads only read: their reads move a value to the recent end of its store, and the clock
 * they advance without a lock is approximate, as an LRU can afford.
 */
final class DecodedBudget {
  private final IntSupplier limit;
  private final List<CleanValues<?>> members = new ArrayList<>();
  private int held;
  private long clock;

  /** @param limit how many values the members keep between them, asked at each addition (it may change) */
  DecodedBudget(IntSupplier limit) {
    this.limit = limit;
  }

  /** A fixed budget for one store alone. */
  static DecodedBudget of(int limit) {
    return new DecodedBudget(() -> limit);
  }

  long tick() {
    return ++clock;
  }

  void join(CleanValues<?> values) {
    members.add(values);
  }

  /** {@code values} holds nothing any more and leaves. */
  void leave(CleanValues<?> values) {
    members.remove(values);
  }

  void released(int n) {
    held -= n;
  }

  /** A member keeps one more value: the least recently used of all are evicted until the budget holds. */
  void added() {
    held++;
    int max = limit.getAsInt();
    while (held > max) {
      CleanValues<?> victim = null;
      long oldest = Long.MAX_VALUE;
      for (CleanValues<?> m : members) {
        long used = m.eldestUse();
        if (used < oldest) {
          oldest = used;
          victim = m;
        }
      }
      if (victim == null || !victim.evictEldest()) return;
    }
  }

  /** Values held by every member together, for tests. */
  int held() {
    return held;
  }
}
