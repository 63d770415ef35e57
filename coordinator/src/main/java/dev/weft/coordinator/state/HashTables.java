package dev.weft.coordinator.state;

import java.util.Collection;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Emptying the coordinator's per-decision and per-commit hash maps and sets. A hash table never shrinks, and both
 * {@code clear()} and iteration cost its capacity, not its entries: after one decision that staged a whole run's
 * tasks (accepting a 100,000-task run, or dispatching its fan-out), every later decision paid for a table of 262,144
 * buckets twice, and a 100,000-task run took 189 s instead of 12-20 (2026-12-02, commit cdca1d2). So a table that held
 * many entries is replaced rather than cleared.
 */
final class HashTables {
  /** Above this many entries a table is replaced rather than cleared. */
  static final int REPLACE_ABOVE = 64;

  private HashTables() {}

  /** {@code c} cleared, or a new one from {@code fresh} when it held more than {@link #REPLACE_ABOVE} entries. */
  static <C extends Collection<?>> C emptied(C c, Supplier<C> fresh) {
    if (c.size() > REPLACE_ABOVE) return fresh.get();
    c.clear();
    return c;
  }

  /** {@code m} cleared, or a new one from {@code fresh} when it held more than {@link #REPLACE_ABOVE} entries. */
  static <M extends Map<?, ?>> M emptied(M m, Supplier<M> fresh) {
    if (m.size() > REPLACE_ABOVE) return fresh.get();
    m.clear();
    return m;
  }
}
