package dev.weft.coordinator;

import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunLookup;
import dev.weft.coordinator.api.RunPage;
import dev.weft.coordinator.api.RunQuery;
import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.RunViews;
import dev.weft.coordinator.state.RunIndexEntry;
import dev.weft.coordinator.state.RunIndexPages;
import dev.weft.coordinator.state.RunState;
import dev.weft.coordinator.state.StateKeys;
import dev.weft.coordinator.state.TaskState;
import dev.weft.coordinator.topology.CommitPacing;
import dev.weft.coordinator.topology.CoordinatorTopology;
import dev.weft.coordinator.telemetry.CommandBacklog;
import dev.weft.coordinator.telemetry.StateGauges;
import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.coordinator.topology.FoldStats;
import dev.weft.coordinator.topology.TransactionClock;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.BrokerTimeouts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator instance: the topology in a KafkaStreams application with exactly-once processing, plus the query
 * API. Scale out by starting more instances with the same application id; runs are spread by partition, and a
 * query for a run another instance owns is forwarded to it.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
  private final CoordinatorConfig config;
  private final KafkaStreams streams;
  private final FoldStats stats;
  private final QueryApi api;
  private final CommandBacklog backlog;
  private final KafkaStreamsMetrics streamsMetrics;
  /** Held here because a Micrometer gauge holds its object weakly: once collected, the gauges read NaN. */
  private final StateGauges stateGauges;
  /** For queries forwarded to the instance that owns a run; built on first use ({@link #http()}). */
  private HttpClient http;
  private final StableInstanceId identity;
  private final CancelRequestPublisher cancels;
  /** What this instance advertises in {@code application.server}, or null without an API. */
  private final HostInfo self;

  private Coordinator(CoordinatorConfig config, WeftSerdes serdes, Telemetry telemetry) {
    this.config = config;
    this.stats = new FoldStats(telemetry.registry());
    // Beside Streams' own files for this application (its process id, which names its transactional producers, is
    // kept there too), so a restart on the same state directory is the same member under the same transactional ids.
    this.identity = StableInstanceId.claim(config.stateDir().resolve(config.applicationId()), config.instanceId(),
        "coordinator");
    this.cancels = new CancelRequestPublisher(config.bootstrapServers(), config.clientProperties(),
        serdes.runRequest().serializer(), config.topics().requests());
    // The API opens first: with port 0 its real port is known only once bound, and Streams must advertise it.
    try {
      this.api = config.apiPort() < 0 ? null : new QueryApi(config.apiHost(), config.apiPort(), new StreamsLookup(),
          this::statsView, telemetry.scrape(), cancels, config.apiTokens());
    } catch (IOException e) {
      identity.close();
      throw new UncheckedIOException("cannot open the query API on " + config.apiHost() + ":" + config.apiPort()
          + " (is another coordinator running? set another port)", e);
    }
    this.self = api == null ? null : new HostInfo(config.advertisedHostOrApiHost(), api.port());
    try {
      TransactionClock transactions = new TransactionClock();
      // The fold asks for the commits that someone waits for, spaced from the end of the last (CommitPacer).
      CommitPacing pacing = new CommitPacing(config.commitIntervalMs(), transactions);
      this.streams = new KafkaStreams(CoordinatorTopology.build(config.topics(), serdes, config.options(), stats,
          pacing), properties(config, identity.id(), self), new TransactionTimingClients(transactions));
    } catch (RuntimeException e) {
      if (api != null) api.close();
      identity.close();
      throw e;
    }
    this.streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(telemetry.registry());
    this.stateGauges = new StateGauges(this::forEachLocalRun, telemetry.registry());
    this.backlog = new CommandBacklog(config.bootstrapServers(), config.clientProperties(), config.topics(),
        config.topics()::executorGroupOf, telemetry.registry());
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("coordinator stream thread failed; replacing it (state is restored from the changelog)", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
  }

  /** Starts and waits until the instance processes (state restored, partitions assigned). */
  public static Coordinator start(CoordinatorConfig config, WeftSerdes serdes, Duration readyTimeout) {
    return start(config, serdes, readyTimeout, Telemetry.none());
  }

  /**
   * Starts with its metrics in {@code telemetry}'s registry, served at {@code /metrics} of the query API when the
   * telemetry can be scraped.
   */
  public static Coordinator start(CoordinatorConfig config, WeftSerdes serdes, Duration readyTimeout,
      Telemetry telemetry) {
    Coordinator c = create(config, serdes, telemetry);
    c.start(readyTimeout);
    return c;
  }

  /**
   * A coordinator built but not started: its query API open, its topology and clients made, nothing asked of the
   * broker yet. The broker need not be up; a caller that starts one builds the coordinator meanwhile, then calls
   * {@link #start(Duration)} once the topics exist.
   */
  public static Coordinator create(CoordinatorConfig config, WeftSerdes serdes, Telemetry telemetry) {
    return new Coordinator(config, serdes, telemetry);
  }

  /** Starts what {@link #create} built and waits until it processes (state restored, partitions assigned). */
  public void start(Duration readyTimeout) {
    streams.start();
    long deadline = System.nanoTime() + readyTimeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING
          || System.nanoTime() > deadline) {
        KafkaStreams.State s = streams.state();
        close();
        throw new IllegalStateException("the coordinator did not start (state " + s + " after " + readyTimeout
            + "); is the broker at " + config.bootstrapServers() + " up and are the topics created?");
      }
      sleep(50);
    }
  }

  /**
   * Loads RocksDB's native library (extracted from its jar on first use, then linked), which a first start otherwise
   * does on its stream thread once its partitions are assigned: for a caller with a core to spare before the start,
   * such as the embedded stack while its broker starts.
   */
  public static void loadNativeLibraries() {
    org.rocksdb.RocksDB.loadLibrary();
  }

  /**
   * How long the group waits for a member that went silent (a crashed JVM) before giving its partitions to the others;
   * Kafka's default is 45 s. A crashed instance that is restarted does not wait for this at all (static membership);
   * the survivors of one that is not restarted do. 10 s leaves five heartbeats (every 2 s) to miss before a live
   * instance is declared dead, which a GC pause or a loaded two-core machine does not come near; the broker accepts
   * no less than 6 s ({@code group.min.session.timeout.ms}).
   */
  static final int SESSION_TIMEOUT_MS = 10_000;
  static final int HEARTBEAT_INTERVAL_MS = 2_000;
  /**
   * How long a transaction may stay open before the broker aborts it (Streams' default is 10 s). Long enough for a
   * commit to ride out a broker's crash (the partitions' new leaders after 9-10 s, plus
   * {@link BrokerTimeouts#REQUEST_TIMEOUT_MS} to notice). With 10 s, after a kill the stream thread's commit waited
   * in its flush for the dead broker while the broker aborted the transaction, so the commit was fenced and the thread
   * rejoined its group (BrokerFailureEndToEndTest, 2026-12-04). The cost is on the other side: a coordinator
   * instance that crashes and stays down holds back the read_committed readers of what it wrote until its open
   * transaction is aborted, up to this long; one that restarts fences its old transaction at once.
   */
  static final int TRANSACTION_TIMEOUT_MS = 20_000;

  /** The longest a graceful close may take: commit, flush the stores, leave the group. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  static Properties properties(CoordinatorConfig c, String instanceId, HostInfo advertised) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, c.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    // What nobody waits for is committed on Streams' interval; the fold asks for the commits that are awaited.
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
        Math.max(c.commitIntervalMs(), CommitPacing.IDLE_COMMIT_INTERVAL_MS));
    p.put(StreamsConfig.POLL_MS_CONFIG, pollMs(c.commitIntervalMs()));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, c.streamThreads());
    // Static membership: a restarted instance (same state directory, so the same id) rejoins as the member it was
    // and gets its partitions back at once; without it the group waited for the dead member's session to expire
    // (45 s by default) before the restarted one could run. Streams appends the thread's index to the id.
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), SESSION_TIMEOUT_MS);
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), HEARTBEAT_INTERVAL_MS);
    // A graceful close leaves the group (close() asks for it; a static member otherwise stays until its session
    // expires), so the survivors of a scale-in, or a replay's live phase, take over at once.
    p.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
    p.put(StreamsConfig.STATE_DIR_CONFIG, c.stateDir().toString());
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) c.replicationFactor());
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, c.standbyReplicas());
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    // Sources read bytes and decode in the topology, which dead-letters; this is only the backstop.
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    if (advertised != null) p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised.host() + ":" + advertised.port());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 16 * 1024 * 1024);
    // Every client of the instance (producer, consumers, admin) gives up on a request after this, and the producer's
    // transactions may stay open this long: see the constants.
    p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, BrokerTimeouts.REQUEST_TIMEOUT_MS);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
    producerSettings().forEach((k, v) -> p.put(StreamsConfig.producerPrefix(k), v));
    // The deployment's own settings (SASL, TLS, ...) last: the operator knows the brokers, Weft does not.
    p.putAll(c.clientProperties());
    return p;
  }

  /**
   * The stream thread's {@code poll.ms} for a commit interval (the benchmark's Streams relay uses it too). The thread
   * checks whether to commit only between polls, and a poll with nothing to read blocks for poll.ms (100 ms by
   * default): at low load every command would wait for that poll to time out before its transaction commits and
   * executors can read it. So no longer than half the commit interval.
   */
  public static long pollMs(long commitIntervalMs) {
    return Math.max(1, Math.min(100, commitIntervalMs / 2));
  }

  /** The settings of the coordinator's producer beyond Kafka Streams' own (the benchmark's floor relay uses them too). */
  public static Map<String, Object> producerSettings() {
    return Map.of(
        // A 100,000-task request is several MB; let it through.
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024,
        ProducerConfig.LINGER_MS_CONFIG, 2,
        // With transactions v2 (Kafka 4) a send or an offset commit that races the previous transaction's commit
        // markers is answered CONCURRENT_TRANSACTIONS and retried after retry.backoff.ms; the default 100 ms then
        // lands on dispatch latency (docs/performance.md). Retries still back off exponentially up to
        // retry.backoff.max.ms.
        ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
  }

  public FoldStats stats() {
    return stats;
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** This instance's stable name (its static group membership). */
  public String instanceId() {
    return identity.id();
  }

  /** Port of the query API, or -1. */
  public int apiPort() {
    return api == null ? -1 : api.port();
  }

  /** The run with its tasks, from this instance's stores or the instance that owns the run. */
  public Optional<RunView> run(String runId) {
    return new StreamsLookup().run(runId);
  }

  private Map<String, Object> statsView() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", streams.state().name());
    m.put("processed", stats.processed());
    m.put("commands", stats.commands());
    m.put("timersFired", stats.timersFired());
    m.put("deadLettered", stats.deadLettered());
    m.put("ignored", stats.ignored());
    m.put("suppressedCommands", stats.suppressedCommands());
    m.put("runsExpired", stats.runsExpired());
    return m;
  }

  /** Every run header of this instance's own stores (not forwarded): what its state gauges count. */
  private void forEachLocalRun(java.util.function.Consumer<RunState> action) {
    ReadOnlyKeyValueStore<String, RunState> runs = streams.store(StoreQueryParameters.fromNameAndType(
        CoordinatorTopology.RUNS_STORE, QueryableStoreTypes.keyValueStore()));
    try (KeyValueIterator<String, RunState> it = runs.all()) {
      it.forEachRemaining(kv -> action.accept(kv.value));
    }
  }

  /** Interactive queries over the stores, forwarding to the owning instance when it is another one. */
  private final class StreamsLookup implements RunLookup {
    @Override
    public Optional<RunView> run(String runId) {
      KeyQueryMetadata meta;
      try {
        meta = streams.queryMetadataForKey(CoordinatorTopology.RUNS_STORE, runId, new StringSerializer());
      } catch (IllegalStateException e) {
        throw new IllegalStateException("the coordinator is not ready to answer queries (" + streams.state() + ")");
      }
      HostInfo active = meta == null ? null : meta.activeHost();
      if (active != null && active.port() > 0 && self != null && !active.equals(self)) return forward(active, runId);
      try {
        RunState run = runs().get(runId);
        if (run == null) return Optional.empty();
        List<TaskState> tasks = new ArrayList<>();
        try (KeyValueIterator<String, TaskState> it = tasks().prefixScan(StateKeys.taskPrefix(runId), new StringSerializer())) {
          it.forEachRemaining(kv -> tasks.add(kv.value));
        }
        return Optional.of(RunViews.of(run, tasks));
      } catch (InvalidStateStoreException e) {
        throw new IllegalStateException("the coordinator's state is not queryable right now (" + streams.state()
            + "); try again in a moment");
      }
    }

    /**
     * The runs of this instance's partitions (as before the index: a run list does not ask the other instances), one
     * page of their run indexes merged newest first.
     */
    @Override
    public RunPage runs(RunQuery q) {
      try {
        List<ReadOnlyKeyValueStore<String, RunIndexEntry>> partitions = new ArrayList<>();
        for (int p : activePartitions()) {
          partitions.add(streams.store(StoreQueryParameters.fromNameAndType(CoordinatorTopology.RUN_INDEX_STORE,
              QueryableStoreTypes.<String, RunIndexEntry>keyValueStore()).withPartition(p)));
        }
        ReadOnlyKeyValueStore<String, RunState> runs = runs();
        RunIndexPages.Page page = RunIndexPages.newestFirst(partitions, q.before(), q.limit(),
            e -> (q.pipeline() == null || q.pipeline().equals(e.getPipeline()))
                && (q.status() == null || q.status().equals(e.getStatus()))
                && (q.requester() == null || requestedBy(runs.get(e.getRunId()), q.requester())));
        List<RunView> out = new ArrayList<>();
        for (RunIndexEntry e : page.entries()) {
          RunState run = runs.get(e.getRunId());
          if (run != null) out.add(RunViews.of(run, null)); // null: expired since the index was read
        }
        return new RunPage(out, page.nextBefore());
      } catch (InvalidStateStoreException e) {
        throw new IllegalStateException("the coordinator's state is not queryable right now (" + streams.state() + ")");
      }
    }

    /** A backfill lives under its id as a run lives under its run id: asked of the instance that owns that key. */
    @Override
    public Optional<dev.weft.coordinator.api.BackfillView> backfill(String backfillId) {
      KeyQueryMetadata meta;
      try {
        meta = streams.queryMetadataForKey(CoordinatorTopology.BACKFILLS_STORE, backfillId, new StringSerializer());
      } catch (IllegalStateException e) {
        throw new IllegalStateException("the coordinator is not ready to answer queries (" + streams.state() + ")");
      }
      HostInfo active = meta == null ? null : meta.activeHost();
      if (active != null && active.port() > 0 && self != null && !active.equals(self)) {
        return forward(active, "/api/backfills/" + backfillId, dev.weft.coordinator.api.BackfillView.class);
      }
      try {
        ReadOnlyKeyValueStore<String, dev.weft.coordinator.state.BackfillState> store = streams.store(
            StoreQueryParameters.fromNameAndType(CoordinatorTopology.BACKFILLS_STORE, QueryableStoreTypes.keyValueStore()));
        return Optional.ofNullable(store.get(backfillId)).map(dev.weft.coordinator.api.BackfillViews::of);
      } catch (InvalidStateStoreException e) {
        throw new IllegalStateException("the coordinator's state is not queryable right now (" + streams.state()
            + "); try again in a moment");
      }
    }

    /** A schedule lives in the partition of its key {@code schedule:NAME}; its store is keyed by NAME. */
    @Override
    public Optional<dev.weft.coordinator.api.ScheduleView> schedule(String name) {
      KeyQueryMetadata meta;
      try {
        meta = streams.queryMetadataForKey(CoordinatorTopology.SCHEDULES_STORE, StateKeys.scheduleKey(name),
            new StringSerializer());
      } catch (IllegalStateException e) {
        throw new IllegalStateException("the coordinator is not ready to answer queries (" + streams.state() + ")");
      }
      HostInfo active = meta == null ? null : meta.activeHost();
      if (active != null && active.port() > 0 && self != null && !active.equals(self)) {
        return forward(active, "/api/schedules/" + name, dev.weft.coordinator.api.ScheduleView.class);
      }
      try {
        return Optional.ofNullable(schedules().get(name)).map(dev.weft.coordinator.api.ScheduleViews::of);
      } catch (InvalidStateStoreException e) {
        throw new IllegalStateException("the coordinator's state is not queryable right now (" + streams.state()
            + "); try again in a moment");
      }
    }

    /** This instance's schedules, then each other instance's: there are few schedules, and a list must show all. */
    @Override
    public List<dev.weft.coordinator.api.ScheduleView> schedules(boolean localOnly) {
      java.util.TreeMap<String, dev.weft.coordinator.api.ScheduleView> out = new java.util.TreeMap<>();
      try (KeyValueIterator<String, dev.weft.coordinator.state.ScheduleState> it = schedules().all()) {
        it.forEachRemaining(kv -> out.put(kv.key, dev.weft.coordinator.api.ScheduleViews.of(kv.value)));
      } catch (InvalidStateStoreException e) {
        throw new IllegalStateException("the coordinator's state is not queryable right now (" + streams.state() + ")");
      }
      if (localOnly) return new ArrayList<>(out.values());
      for (org.apache.kafka.streams.StreamsMetadata m : streams.streamsMetadataForStore(CoordinatorTopology.SCHEDULES_STORE)) {
        HostInfo host = m.hostInfo();
        if (host == null || host.port() <= 0 || self == null || host.equals(self)) continue;
        dev.weft.coordinator.api.ScheduleView[] theirs = forward(host, "/api/schedules?local=true",
            dev.weft.coordinator.api.ScheduleView[].class).orElse(new dev.weft.coordinator.api.ScheduleView[0]);
        for (dev.weft.coordinator.api.ScheduleView v : theirs) out.put(v.name(), v);
      }
      return new ArrayList<>(out.values());
    }

    private ReadOnlyKeyValueStore<String, dev.weft.coordinator.state.ScheduleState> schedules() {
      return streams.store(StoreQueryParameters.fromNameAndType(CoordinatorTopology.SCHEDULES_STORE,
          QueryableStoreTypes.keyValueStore()));
    }

    private static boolean requestedBy(RunState run, String requester) {
      return run != null && requester.equals(run.getRequester());
    }

    /** The input partitions whose stream task this instance runs (each has its own stores). */
    private java.util.SortedSet<Integer> activePartitions() {
      java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
      streams.metadataForLocalThreads().forEach(thread -> thread.activeTasks().forEach(
          task -> out.add(task.taskId().partition())));
      return out;
    }

    private Optional<RunView> forward(HostInfo host, String runId) {
      return forward(host, "/api/runs/" + runId, RunView.class);
    }

    private <T> Optional<T> forward(HostInfo host, String path, Class<T> type) {
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
            + path)).timeout(Duration.ofSeconds(10));
        // The instances of one deployment share their tokens; the owner asks this one for a token as it asks anyone.
        config.apiTokens().forwardingToken().ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> r = http().send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 404) return Optional.empty();
        if (r.statusCode() != 200) throw new IllegalStateException("instance " + host + " answered " + r.statusCode());
        return Optional.of(QueryApi.JSON.readValue(r.body(), type));
      } catch (IOException e) {
        throw new IllegalStateException("cannot reach the coordinator instance " + host + " that owns " + path, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }

    private ReadOnlyKeyValueStore<String, RunState> runs() {
      return streams.store(StoreQueryParameters.fromNameAndType(CoordinatorTopology.RUNS_STORE,
          QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, TaskState> tasks() {
      return streams.store(StoreQueryParameters.fromNameAndType(CoordinatorTopology.TASKS_STORE,
          QueryableStoreTypes.keyValueStore()));
    }
  }

  /** Commits, leaves the group so the other instances take over at once, and closes; then frees the state directory. */
  @Override
  public void close() {
    if (api != null) api.close();
    cancels.close();
    backlog.close();
    streamsMetrics.close();
    try {
      streams.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true));
    } finally {
      identity.close();
    }
  }

  /**
   * Built on first use, since most coordinators never forward a query: a JDK 17 HttpClient keeps a selector thread in
   * native code for the JVM's life, and a JVM that exits waits 300 ms for such threads (`weft run`, 2026-12-02).
   */
  private synchronized HttpClient http() {
    if (http == null) http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    return http;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
