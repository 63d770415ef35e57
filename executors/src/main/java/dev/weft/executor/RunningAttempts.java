package dev.weft.executor;

import dev.weft.executor.backend.AttemptId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attempts this instance runs (launched or adopted, outcome not yet queued), and the ids of the attempts it has
 * seen, so that a RUN read again (a coordinator that re-emits a command) is not started twice. The loop thread alone
 * writes it; {@link #count()} may be read from any thread. The {@link CommandHandler} reads it through {@link RunningAttemptsView}.
 */
final class RunningAttempts implements RunningAttemptsView {
  /** How many attempt ids the instance remembers for dedupe; older ones rely on the committed offsets alone. */
  static final int SEEN_CAPACITY = 50_000;

  private final Map<AttemptId, Attempt> running = new HashMap<>();
  private final Map<AttemptId, Boolean> seen = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<AttemptId, Boolean> eldest) {
      return size() > SEEN_CAPACITY;
    }
  };
  private volatile int count;

  @Override
  public int size() {
    return running.size();
  }

  /** Attempts running here, as last changed; for metrics and other threads. */
  int count() {
    return count;
  }

  boolean isEmpty() {
    return running.isEmpty();
  }

  @Override
  public boolean seen(AttemptId id) {
    return seen.containsKey(id);
  }

  @Override
  public boolean holds(AttemptId id) {
    return running.containsKey(id);
  }

  @Override
  public boolean stopping(AttemptId id) {
    Attempt a = running.get(id);
    return a != null && (a.cancelReason != null || a.timedOut);
  }

  Attempt get(AttemptId id) {
    return running.get(id);
  }

  /** Whether this very attempt object is the one in the table (not a stale one of the same id). */
  boolean holds(Attempt a) {
    return running.get(a.id) == a;
  }

  void put(Attempt a) {
    running.put(a.id, a);
    count = running.size();
  }

  void remove(AttemptId id) {
    running.remove(id);
    count = running.size();
  }

  void removeAll(Collection<AttemptId> ids) {
    ids.forEach(running::remove);
    count = running.size();
  }

  void rememberSeen(Collection<AttemptId> ids) {
    for (AttemptId id : ids) seen.put(id, Boolean.TRUE);
  }

  Collection<Attempt> all() {
    return running.values();
  }

  Set<AttemptId> ids() {
    return running.keySet();
  }

  /** Attempts whose local timeout passed by {@code now}, each returned once: they are marked timed out. */
  List<Attempt> markTimedOut(long now) {
    List<Attempt> out = new ArrayList<>();
    for (Attempt a : running.values()) {
      if (a.deadline > 0 && now >= a.deadline && !a.timedOut && a.running != null && !a.finishSignalled) {
        a.timedOut = true;
        out.add(a);
      }
    }
    return out;
  }

  /**
   * Attempts due a heartbeat at {@code now}; their next one is due an interval later. An attempt still launching is
   * due one too (no handle yet): a slow launch is not a lost attempt. A fenced one gets none.
   */
  List<Attempt> heartbeatsDue(long now) {
    List<Attempt> out = new ArrayList<>();
    for (Attempt a : running.values()) {
      if (!a.finishSignalled && a.fencedAfterMs == 0 && now >= a.nextHeartbeatAt) {
        a.nextHeartbeatAt = now + a.heartbeatMs;
        out.add(a);
      }
    }
    return out;
  }
}
