package dev.weft.coordinator.state;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decoded values of one write-back store kept after their commit, least recently used first, within a
 * {@link DecodedBudget} that may be shared with other stores. Every method but {@link #eldestUse()} and
 * {@link #evictEldest()} is called under the owning store's lock; those two take it, since the budget calls them
 * from another store's.
 */
final class CleanValues<V> {
  private static final class Entry<V> {
    final V value;
    long usedAt;

    Entry(V value, long usedAt) {
      this.value = value;
      this.usedAt = usedAt;
    }
  }

  private final Object lock;
  private final DecodedBudget budget;
  private final LinkedHashMap<String, Entry<V>> values = new LinkedHashMap<>(1024, 0.75f, true);

  /** @param lock what the owning store synchronizes on */
  CleanValues(Object lock, DecodedBudget budget) {
    this.lock = lock;
    this.budget = budget;
    budget.join(this);
  }

  V get(String key) {
    Entry<V> e = values.get(key);
    if (e == null) return null;
    e.usedAt = budget.tick();
    return e.value;
  }

  /** Only the thread that writes the store adds values (see {@link DecodedBudget}). */
  void put(String key, V value) {
    if (values.put(key, new Entry<>(value, budget.tick())) == null) budget.added();
  }

  void remove(String key) {
    if (values.remove(key) != null) budget.released(1);
  }

  void clear() {
    budget.released(values.size());
    values.clear();
  }

  /** Clears and leaves the budget: the store is closed. */
  void close() {
    clear();
    budget.leave(this);
  }

  long eldestUse() {
    synchronized (lock) {
      return values.isEmpty() ? Long.MAX_VALUE : values.values().iterator().next().usedAt;
    }
  }

  boolean evictEldest() {
    synchronized (lock) {
      Iterator<Map.Entry<String, Entry<V>>> it = values.entrySet().iterator();
      if (!it.hasNext()) return false;
      it.next();
      it.remove();
      budget.released(1);
      return true;
    }
  }

  int size() {
    return values.size();
  }
}
