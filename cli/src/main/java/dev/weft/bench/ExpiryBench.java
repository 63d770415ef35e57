package dev.weft.bench;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.coordinator.topology.CoordinatorTopology;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The {@code expiry} section: does the coordinator's memory stay bounded once runs finish? A coordinator with a
 * short {@code retainFinished} runs {@code expiryRuns} small runs (2 noop tasks each) to their end; the section
 * measures its state store (bytes and live keys) and this JVM's heap after a full collection once they have all
 * finished, and again once they have all expired; then it does the same with a second batch, and reports the heap
 * after each batch expired.
 *
 * <p>Store bytes are RocksDB's own (its memtables and SST files, from the metrics Kafka Streams records per store)
 * and the state directory's files. RocksDB keeps a deleted key as a tombstone until a compaction drops it, so bytes
 * after expiry are not live data; the key counts are.
 */
final class ExpiryBench {
  private static final Duration TIMEOUT = Duration.ofMinutes(15);
  /**
   * Two batches, one after the other's expiry: the heap after the second is what tells a plateau from a leak (after
   * the first it still holds what warming up allocated for good, such as grown client buffers).
   */
  static final int BATCHES = 2;
  private final BenchCluster cluster;
  private final BenchOptions o;
  private final Consumer<String> say;

  ExpiryBench(BenchCluster cluster, Consumer<String> say) {
    this.cluster = cluster;
    this.o = cluster.options;
    this.say = say;
  }

  /** Runs the section; returns its figures ({@code expiry_*}). */
  Map<String, Object> run() throws Exception {
    Topics topics = cluster.topics("expiry");
    cluster.createTopics(topics);
    Path stateDir = cluster.stateDir("expiry");
    Duration retain = Duration.ofSeconds(o.expiryRetainSeconds());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("expiry_runs", o.expiryRuns());
    m.put("expiry_retain_finished_s", o.expiryRetainSeconds());
    m.put("expiry_heap_baseline_bytes", heapAfterGc());
    Coordinator coordinator = cluster.startCoordinator(topics, topics.prefix() + "coordinator", stateDir,
        CoordinatorOptions.DEFAULT.withRetainFinished(retain));
    ExecutorRuntime executor = cluster.startNoopExecutor(topics, "bench-expiry-noop");
    m.put("expiry_heap_idle_bytes", heapAfterGc());
    List<Long> heapAfterByBatch = new ArrayList<>();
    try {
      say.accept("expiry: " + BATCHES + " batches of " + o.expiryRuns() + " runs of 2 noop tasks, kept "
          + retain.toSeconds() + " s after they finish; store and heap once the first batch finished, then once "
          + "each batch expired");
      String json = PipelineSpecs.toJson(Shapes.layered("bench-expiry", 2, 1));
      for (int batch = 1; batch <= BATCHES; batch++) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < o.expiryRuns(); i++) ids.add("exp" + batch + "-" + i + "-" + cluster.id);
        long t0 = System.nanoTime();
        // A watcher per batch: it holds every run it saw finish, which is not the coordinator's memory.
        try (RunWatcher watcher = new RunWatcher(cluster.bootstrap, cluster.serdes, topics)) {
          for (String id : ids) cluster.submit(topics, id, json);
          cluster.flush();
          watcher.awaitAll(ids, TIMEOUT);
        }
        // Values reach RocksDB at each commit; wait a few so that the store holds what the fold holds.
        Thread.sleep(Math.max(100, 3 * o.commitIntervalMs()));
        if (batch == 1) {
          m.put("expiry_all_finished_s", Benchmark.round((System.nanoTime() - t0) / 1e9));
          m.put("expiry_expired_before", coordinator.stats().runsExpired());
          m.put("expiry_live_runs_before", count(coordinator, CoordinatorTopology.RUNS_STORE));
          m.put("expiry_live_tasks_before", count(coordinator, CoordinatorTopology.TASKS_STORE));
          m.put("expiry_store_bytes_before", rocksDbBytes(coordinator));
          m.put("expiry_store_dir_bytes_before", Benchmark.directoryBytes(stateDir));
          m.put("expiry_heap_before_gc_bytes", heapAfterGc());
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (coordinator.stats().runsExpired() < (long) batch * o.expiryRuns()) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("only " + coordinator.stats().runsExpired() + " of "
                + (long) batch * o.expiryRuns() + " runs expired within " + TIMEOUT);
          }
          Thread.sleep(50);
        }
        if (batch == 1) m.put("expiry_all_expired_s", Benchmark.round((System.nanoTime() - t0) / 1e9));
        Thread.sleep(Math.max(100, 3 * o.commitIntervalMs()));
        heapAfterByBatch.add(heapAfterGc());
      }
      m.put("expiry_live_runs_after", count(coordinator, CoordinatorTopology.RUNS_STORE));
      m.put("expiry_live_tasks_after", count(coordinator, CoordinatorTopology.TASKS_STORE));
      m.put("expiry_live_index_entries_after", count(coordinator, CoordinatorTopology.RUN_INDEX_STORE));
      m.put("expiry_live_timers_after", count(coordinator, CoordinatorTopology.TIMERS_STORE));
      m.put("expiry_store_bytes_after", rocksDbBytes(coordinator));
      m.put("expiry_store_dir_bytes_after", Benchmark.directoryBytes(stateDir));
      m.put("expiry_heap_after_gc_bytes", heapAfterByBatch.get(heapAfterByBatch.size() - 1));
      m.put("expiry_heap_after_gc_bytes_by_batch", heapAfterByBatch);
    } finally {
      executor.close();
      coordinator.close();
    }
    say.accept(String.format("  first batch finished in %s s, expired by %s s; runs held %s -> %s; RocksDB %.1f -> "
        + "%.1f MB; heap after GC %.1f MB idle, %.1f MB with a batch held, %s MB after each batch expired",
        m.get("expiry_all_finished_s"), m.get("expiry_all_expired_s"), m.get("expiry_live_runs_before"),
        m.get("expiry_live_runs_after"), mb(m.get("expiry_store_bytes_before")), mb(m.get("expiry_store_bytes_after")),
        mb(m.get("expiry_heap_idle_bytes")), mb(m.get("expiry_heap_before_gc_bytes")),
        heapAfterByBatch.stream().map(b -> String.format("%.1f", mb(b))).toList()));
    return m;
  }

  /** Keys in one of the coordinator's stores, over every partition it runs; a scan, for measuring only. */
  private static long count(Coordinator c, String store) {
    ReadOnlyKeyValueStore<String, Object> s = c.streams().store(StoreQueryParameters.fromNameAndType(store,
        QueryableStoreTypes.keyValueStore()));
    long n = 0;
    try (KeyValueIterator<String, Object> it = s.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  /** RocksDB's memtables and SST files over the coordinator's stores, as Kafka Streams' state metrics report them. */
  private static long rocksDbBytes(Coordinator c) {
    double bytes = 0;
    for (var e : c.streams().metrics().entrySet()) {
      String name = e.getKey().name();
      if (e.getKey().group().equals("stream-state-metrics")
          && (name.equals("size-all-mem-tables") || name.equals("total-sst-files-size"))
          && e.getValue().metricValue() instanceof Number n) {
        bytes += n.doubleValue();
      }
    }
    return (long) bytes;
  }

  /** Heap in use right after full collections: close to the live data of this JVM. */
  private static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double mb(Object bytes) {
    return ((Number) bytes).longValue() / (1024.0 * 1024.0);
  }
}
