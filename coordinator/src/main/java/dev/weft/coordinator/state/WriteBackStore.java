package dev.weft.coordinator.state;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * The outermost layer of each coordinator store: decoded values, written back once per key per commit.
 *
 * <p>Why: a task's state is written by every event about it (dispatched, started, finished, each dependency met) and
 * its run header by all of them. Going through Kafka's own cache, every one of those writes was an Avro encode and
 * an ordered-map insert of the bytes, and every read a decode: two thirds of the coordinator's stream thread
 * (docs/performance.md). Here a write only replaces the object in a map; {@link #flushCache()} encodes each dirty
 * value once and writes it to the store below (changelog and RocksDB) just before the transaction commits, together
 * with the dirty values of the stream thread's other tasks ({@link PendingWriteBacks}).
 *
 * <p>Why this is safe under exactly-once: Kafka Streams calls {@code flushCache()} on each registered store in
 * {@code StreamTask.prepareCommit}, before it flushes the producer and commits the transaction, exactly as it does
 * for its own caching layer (this class extends {@link WrappedStateStore}, Kafka's internal base of every store
 * layer, for that reason: Weft pins the Kafka version, and the end-to-end crash and replay tests cover it). A
 * transaction that aborts closes the task dirty: {@link #close()} drops what was not written, and the task restores
 * from the changelog, which holds only committed writes.
 *
 * <p>Clean values stay in a bounded least-recently-used map so reads after a commit need no decode. Interactive
 * queries (the query API's threads) read through {@link #get} under the same lock and see unwritten values too;
 * their range scans see the store below, at most one commit interval behind. Range scans by the stream thread first
 * write everything back, so they see every write.
 */
public final class WriteBackStore<V> extends WrappedStateStore<KeyValueStore<String, V>, String, V>
    implements KeyValueStore<String, V> {
  /** Marks a key deleted in the dirty map (values are never null there otherwise). */
  private static final Object DELETED = new Object();
  private final int maxClean;
  private Map<String, Object> dirty = new LinkedHashMap<>();
  private final Map<String, V> clean;
  /**
   * Dirty keys that the store below does not hold. Deleting one before it is written back leaves nothing to write:
   * a heartbeat timer put when a task starts and deleted when it finishes within one commit costs no RocksDB delete
   * and no changelog tombstone.
   */
  private Set<String> absentBelow = new HashSet<>();
  /** The thread that writes (the stream thread); only it may write back, since that sends changelog records. */
  private volatile Thread writer;

  WriteBackStore(KeyValueStore<String, V> inner, int maxClean) {
    super(inner);
    this.maxClean = maxClean;
    this.clean = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > WriteBackStore.this.maxClean;
      }
    };
  }

  /** Wraps what {@code inner} builds; Kafka's own caching is turned off below, since this layer replaces it. */
  public static <V> StoreBuilder<KeyValueStore<String, V>> builder(StoreBuilder<KeyValueStore<String, V>> inner,
      int maxClean) {
    return new Builder<>(inner.withCachingDisabled(), maxClean);
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    forgetAll();
    super.init(context, root);
  }

  @Override
  @SuppressWarnings("unchecked")
  public synchronized V get(String key) {
    Object d = dirty.get(key);
    if (d != null) return d == DELETED ? null : (V) d;
    V v = clean.get(key);
    if (v == null) {
      v = wrapped().get(key);
      if (v != null) clean.put(key, v);
    }
    return v;
  }

  @Override
  public synchronized void put(String key, V value) {
    Thread current = Thread.currentThread();
    if (writer != current) writer = current; // a volatile write on every put would cost a fence each time
    clean.remove(key);
    if (dirty.isEmpty()) PendingWriteBacks.add(this);
    if (value == null && absentBelow.remove(key)) {
      dirty.remove(key);
      return;
    }
    dirty.put(key, value == null ? DELETED : value);
  }

  /**
   * A put of a key the caller knows is absent from this store's logical content (never written, or deleted before).
   * When the key has no write pending either, the store below does not hold it, which makes a later delete free.
   */
  public synchronized void putNew(String key, V value) {
    if (!dirty.containsKey(key)) absentBelow.add(key);
    put(key, value);
  }

  /** The write-back layer under Kafka's context decorator, or null when {@code store} has none (tests). */
  public static <V> WriteBackStore<V> of(KeyValueStore<String, V> store) {
    StateStore s = store;
    if (!(s instanceof WriteBackStore<?>) && s instanceof WrappedStateStore<?, ?, ?> decorator) s = decorator.wrapped();
    @SuppressWarnings("unchecked")
    WriteBackStore<V> found = s instanceof WriteBackStore<?> wb ? (WriteBackStore<V>) wb : null;
    return found;
  }

  @Override
  public synchronized V putIfAbsent(String key, V value) {
    V current = get(key);
    if (current == null) put(key, value);
    return current;
  }

  @Override
  public synchronized void putAll(List<KeyValue<String, V>> entries) {
    for (KeyValue<String, V> e : entries) put(e.key, e.value);
  }

  @Override
  public synchronized V delete(String key) {
    V old = get(key);
    put(key, null);
    return old;
  }

  @Override
  public KeyValueIterator<String, V> range(String from, String to) {
    writeBackIfWriter();
    return wrapped().range(from, to);
  }

  @Override
  public KeyValueIterator<String, V> reverseRange(String from, String to) {
    writeBackIfWriter();
    return wrapped().reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<String, V> all() {
    writeBackIfWriter();
    return wrapped().all();
  }

  @Override
  public KeyValueIterator<String, V> reverseAll() {
    writeBackIfWriter();
    return wrapped().reverseAll();
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS prefixKeySerializer) {
    writeBackIfWriter();
    return wrapped().prefixScan(prefix, prefixKeySerializer);
  }

  @Override
  public long approximateNumEntries() {
    return wrapped().approximateNumEntries();
  }

  /**
   * Called by Kafka Streams before the task's transaction commits: every dirty value goes to the store below, and so
   * does every dirty value of the other tasks of this stream thread (see {@link PendingWriteBacks} for why).
   */
  @Override
  public void flushCache() {
    PendingWriteBacks.writeBackAll();
    writeBack();
    super.flushCache();
  }

  @Override
  public synchronized void clearCache() {
    clean.clear();
    super.clearCache();
  }

  @Override
  public void close() {
    forgetAll();
    super.close();
  }

  private synchronized void forgetAll() {
    dirty.clear();
    absentBelow.clear();
    clean.clear();
  }

  private void writeBackIfWriter() {
    if (Thread.currentThread() == writer) writeBack();
  }

  @SuppressWarnings("unchecked")
  synchronized void writeBack() {
    if (dirty.isEmpty()) return;
    KeyValueStore<String, V> below = wrapped();
    for (Map.Entry<String, Object> e : dirty.entrySet()) {
      if (e.getValue() == DELETED) {
        below.delete(e.getKey());
      } else {
        V v = (V) e.getValue();
        below.put(e.getKey(), v);
        clean.put(e.getKey(), v);
      }
    }
    // Replaced rather than cleared when large, or every later commit would pay for the table (HashTables).
    dirty = HashTables.emptied(dirty, LinkedHashMap::new);
    absentBelow = HashTables.emptied(absentBelow, HashSet::new);
  }

  private static final class Builder<V> implements StoreBuilder<KeyValueStore<String, V>> {
    private final StoreBuilder<KeyValueStore<String, V>> inner;
    private final int maxClean;

    Builder(StoreBuilder<KeyValueStore<String, V>> inner, int maxClean) {
      this.inner = inner;
      this.maxClean = maxClean;
    }

    @Override
    public StoreBuilder<KeyValueStore<String, V>> withCachingEnabled() {
      throw new UnsupportedOperationException("a write-back store is its own cache");
    }

    @Override
    public StoreBuilder<KeyValueStore<String, V>> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<String, V>> withLoggingEnabled(Map<String, String> config) {
      inner.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<String, V>> withLoggingDisabled() {
      inner.withLoggingDisabled();
      return this;
    }

    @Override
    public KeyValueStore<String, V> build() {
      return new WriteBackStore<>(inner.build(), maxClean);
    }

    @Override
    public Map<String, String> logConfig() {
      return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return inner.loggingEnabled();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }
}
