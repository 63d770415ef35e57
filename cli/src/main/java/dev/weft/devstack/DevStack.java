package dev.weft.devstack;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.spec.SpecLimits;
import dev.weft.embedded.EmbeddedKafka;
import dev.weft.embedded.EmbeddedRegistry;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.batch.BatchBackend;
import dev.weft.executor.batch.BatchSettings;
import dev.weft.executor.container.ContainerBackend;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.executor.spark.SparkBackend;
import dev.weft.executor.spark.SparkBackendConfig;
import dev.weft.serde.InMemorySchemaRegistry;
import dev.weft.serde.WeftSerdes;
import dev.weft.sink.CompletionSink;
import dev.weft.sink.HistoryStore;
import dev.weft.sink.HistoryStores;
import dev.weft.sink.lineage.LineageEmitter;
import dev.weft.spec.PipelineSpecs;
import dev.weft.telemetry.PrometheusTelemetry;
import dev.weft.telemetry.SinkMetrics;
import dev.weft.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Weft on one machine: a real KRaft broker and a real schema registry as child processes, the coordinator, and
 * every executor that can run here (process and noop always; container when a Docker engine answers; spark when
 * Spark's classpath was built; batch when an AWS region or endpoint is configured). The same classes run against a
 * real cluster when given its addresses instead.
 */
public final class DevStack implements AutoCloseable {
  /**
   * @param kafkaPort 0 for a free port
   * @param apiPort 0 for a free port, -1 for no query API
   * @param workDir where process tasks' relative paths resolve
   * @param retainFinished how long the coordinator keeps a finished run ({@code CoordinatorOptions.retainFinished})
   * @param limits the coordinator's limits on a run ({@code --max-run-tasks}: how many tasks mapOver and spawned tasks
   *     may grow one to)
   * @param history where the completion sink writes history ({@code s3://bucket/prefix} or a directory); null for
   *     {@code <dataDir>/history}
   * @param lineage where lineage goes ({@code --lineage}: a URL, a config file, a path or {@code off}); null for the
   *     OpenLineage client's own configuration if any, else the file {@code lineageFile}
   * @param lineageFile the default lineage file; null for {@code <dataDir>/lineage/lineage.jsonl}
   * @param inProcessRegistry schemas in this JVM's memory instead of a registry process: only for a stack that every
   *     client of lives in this JVM and whose broker data goes with it ({@code weft run} without {@code --data-dir}),
   *     since schema ids in the records would mean nothing to another process or after a restart
   * @param inProcessBroker the broker in this JVM instead of a child JVM ({@link EmbeddedKafka.Placement}): for a
   *     stack that lives only as long as one command ({@code weft run}), which then starts no second JVM
   * @param executorsFirst the executors started before the stack is ready ({@code weft run}: those its pipeline names);
   *     the others start right after, in the background. Empty: all of them first
   * @param maxConcurrent the attempts each executor runs at once ({@code --max-concurrent})
   */
  public record Options(Path dataDir, int kafkaPort, int registryPort, int apiPort, int partitions, Path workDir,
      Set<Component> components, Duration retainFinished, SpecLimits limits, String history, String lineage,
      Path lineageFile, boolean inProcessRegistry, boolean inProcessBroker, Set<String> executorsFirst,
      int maxConcurrent) {
    public Options {
      components = Set.copyOf(components);
      executorsFirst = Set.copyOf(executorsFirst);
      if (!components.containsAll(Component.INFRASTRUCTURE)) {
        throw new IllegalArgumentException("the broker and the registry are needed by everything else; asked for only "
            + components);
      }
      if (maxConcurrent < 1) throw new IllegalArgumentException("maxConcurrent must be at least 1: " + maxConcurrent);
    }

    public static Options dev(Path dataDir) {
      return new Options(dataDir, 9092, 8081, 7070, 4, Path.of("").toAbsolutePath(), Component.ALL,
          CoordinatorOptions.DEFAULT_RETAIN_FINISHED, SpecLimits.DEFAULT, null, null, null, false, false, Set.of(),
          ExecutorConfig.DEFAULT_MAX_CONCURRENT);
    }

    public static Options ephemeral(Path dataDir) {
      return dev(dataDir).withPorts(0, 0, 0);
    }

    /** This, with these ports (0 for a free one; {@code apiPort} -1 for no query API). */
    public Options withPorts(int kafka, int registry, int api) {
      Copy c = new Copy(this);
      c.kafkaPort = kafka;
      c.registryPort = registry;
      c.apiPort = api;
      return c.build();
    }

    /** This, with {@code n} partitions per topic. */
    public Options withPartitions(int n) {
      Copy c = new Copy(this);
      c.partitions = n;
      return c.build();
    }

    /** This, with schemas kept in this JVM instead of a registry process (see {@code inProcessRegistry}). */
    public Options withInProcessRegistry() {
      Copy c = new Copy(this);
      c.inProcessRegistry = true;
      return c.build();
    }

    /** This, with the broker in this JVM instead of a child JVM (see {@code inProcessBroker}). */
    public Options withInProcessBroker() {
      Copy c = new Copy(this);
      c.inProcessBroker = true;
      return c.build();
    }

    /** This, with {@code names} started before the stack is ready and the other executors after (see above). */
    public Options withExecutorsFirst(Set<String> names) {
      Copy c = new Copy(this);
      c.executorsFirst = names;
      return c.build();
    }

    public Options withComponents(Set<Component> only) {
      Copy c = new Copy(this);
      c.components = only;
      return c.build();
    }

    public Options withRetainFinished(Duration retain) {
      Copy c = new Copy(this);
      c.retainFinished = retain;
      return c.build();
    }

    /** This, with the coordinator's limits on a run ({@code --max-run-tasks}). */
    public Options withLimits(SpecLimits runLimits) {
      Copy c = new Copy(this);
      c.limits = runLimits;
      return c.build();
    }

    /** This, with each executor running at most {@code n} attempts at once ({@code --max-concurrent}). */
    public Options withMaxConcurrent(int n) {
      Copy c = new Copy(this);
      c.maxConcurrent = n;
      return c.build();
    }

    public Options withHistory(String location) {
      Copy c = new Copy(this);
      c.history = location;
      return c.build();
    }

    /** Lineage to {@code given} ({@code --lineage}, or null), else to {@code defaultFile} (or null for the default). */
    public Options withLineage(String given, Path defaultFile) {
      Copy c = new Copy(this);
      c.lineage = given;
      c.lineageFile = defaultFile;
      return c.build();
    }

    /** The options as fields to change, so that each wither names only what it changes. */
    private static final class Copy {
      private final Path dataDir;
      private final Path workDir;
      private int kafkaPort;
      private int registryPort;
      private int apiPort;
      private int partitions;
      private Set<Component> components;
      private Duration retainFinished;
      private SpecLimits limits;
      private String history;
      private String lineage;
      private Path lineageFile;
      private boolean inProcessRegistry;
      private boolean inProcessBroker;
      private Set<String> executorsFirst;
      private int maxConcurrent;

      Copy(Options o) {
        dataDir = o.dataDir;
        workDir = o.workDir;
        kafkaPort = o.kafkaPort;
        registryPort = o.registryPort;
        apiPort = o.apiPort;
        partitions = o.partitions;
        components = o.components;
        retainFinished = o.retainFinished;
        limits = o.limits;
        history = o.history;
        lineage = o.lineage;
        lineageFile = o.lineageFile;
        inProcessRegistry = o.inProcessRegistry;
        inProcessBroker = o.inProcessBroker;
        executorsFirst = o.executorsFirst;
        maxConcurrent = o.maxConcurrent;
      }

      Options build() {
        return new Options(dataDir, kafkaPort, registryPort, apiPort, partitions, workDir, components, retainFinished,
            limits, history, lineage, lineageFile, inProcessRegistry, inProcessBroker, executorsFirst, maxConcurrent);
      }
    }

    /** The lineage file when nothing else is configured. */
    public Path lineageFileOrDefault() {
      return lineageFile != null ? lineageFile : dataDir.resolve("lineage").resolve("lineage.jsonl");
    }

    /** Where the sink writes: {@link #history}, or the data directory's {@code history}. */
    public String historyLocation() {
      return history != null ? history : dataDir.resolve("history").toString();
    }
  }

  /**
   * What a stack runs. Without the coordinator and the executors ({@code weft dev --only broker,registry}) it is the
   * infrastructure for services run as their own processes ({@code weft coordinator}, {@code weft executor NAME}).
   */
  public enum Component {
    BROKER, REGISTRY, COORDINATOR, EXECUTORS, SINK;

    public static final Set<Component> ALL = EnumSet.allOf(Component.class);
    public static final Set<Component> INFRASTRUCTURE = EnumSet.of(BROKER, REGISTRY);

    /** {@code broker,registry} as given on the command line. */
    public static Set<Component> parse(String list) {
      Set<Component> out = EnumSet.noneOf(Component.class);
      for (String name : list.split(",")) {
        try {
          out.add(valueOf(name.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("unknown component '" + name.trim() + "'; one of broker, registry,"
              + " coordinator, executors, sink");
        }
      }
      return out;
    }
  }

  private final Options options;
  private final Topics topics = Topics.DEFAULT;
  private EmbeddedKafka kafka;
  private EmbeddedRegistry registry;
  private WeftSerdes serdes;
  private Coordinator coordinator;
  private CompletionSink sink;
  private final Map<String, ExecutorInstance> executors = new LinkedHashMap<>();
  private final List<String> notes = new ArrayList<>();
  /** Starts the executors not in {@link Options#executorsFirst()} once the stack is ready; null when there are none. */
  private Thread laterExecutors;
  /** Set when the stack stops: executors not started yet are not started at all. */
  private volatile boolean closing;
  /** One registry for every service of the stack, served at the coordinator's {@code /metrics}. */
  private final Telemetry telemetry = PrometheusTelemetry.create("dev");

  private DevStack(Options options) {
    this.options = options;
  }

  /** Starts everything, reporting each step to {@code progress}; on failure stops what was started and throws. */
  public static DevStack start(Options options, Consumer<String> progress) {
    DevStack s = new DevStack(options);
    try {
      s.startAll(progress);
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void startAll(Consumer<String> progress) {
    boolean withCoordinator = options.components().contains(Component.COORDINATOR);
    kafka = EmbeddedKafka.prepare(options.dataDir().resolve("kafka"), options.kafkaPort(),
        EmbeddedKafka.Security.PLAINTEXT,
        options.inProcessBroker() ? EmbeddedKafka.Placement.IN_PROCESS : EmbeddedKafka.Placement.CHILD_JVM);
    if (options.inProcessRegistry()) {
      // Schemas kept in this JVM mean the broker's data goes with the stack (see Options): its shutdown need not be
      // orderly.
      kafka.discardsData();
      progress.accept("starting Kafka broker (KRaft, data in " + options.dataDir().resolve("kafka")
          + (options.inProcessBroker() ? ", in this process" : "") + "); schemas kept in this process");
      serdes = new WeftSerdes(new InMemorySchemaRegistry());
      // The broker's start takes seconds and mostly one core: the coordinator is built on the other meanwhile (its
      // topology, clients and query API, and RocksDB's native library), ready to start once the topics exist.
      CompletableFuture<Void> building = withCoordinator ? onThreadOfItsOwn("weft-build-coordinator",
          this::buildCoordinator) : CompletableFuture.completedFuture(null);
      try {
        kafka.launch();
      } finally {
        awaitQuietly(building);
      }
      building.join();
      progress.accept("broker at " + kafka.bootstrapServers());
    } else {
      progress.accept("starting Kafka broker (KRaft, data in " + options.dataDir().resolve("kafka")
          + ") and schema registry");
      // The two take seconds each and do not depend on each other.
      CompletableFuture<EmbeddedRegistry> reg = CompletableFuture.supplyAsync(
          () -> EmbeddedRegistry.start(options.dataDir().resolve("registry"), options.registryPort()));
      CompletableFuture<Void> loading = withCoordinator ? onThreadOfItsOwn("weft-load-rocksdb",
          Coordinator::loadNativeLibraries) : CompletableFuture.completedFuture(null);
      try {
        kafka.launch();
      } finally {
        registry = reg.join();
        awaitQuietly(loading);
      }
      loading.join();
      serdes = new WeftSerdes(registry.url());
      progress.accept("broker at " + kafka.bootstrapServers() + ", schema registry at " + registry.url());
    }
    kafka.createTopics(topics.all(PipelineSpecs.EXECUTORS.stream().sorted().toList()), options.partitions());
    // The coordinator (seconds: its group and its stores), the executors and the sink need only the broker: each
    // starts on a thread of its own, so the slowest sets the pace rather than their sum.
    List<Runnable> parts = new ArrayList<>();
    if (options.components().contains(Component.COORDINATOR)) parts.add(() -> startCoordinator(progress));
    if (options.components().contains(Component.EXECUTORS)) parts.add(() -> startExecutors(progress));
    if (options.components().contains(Component.SINK)) parts.add(() -> startSink(progress));
    startInParallel(parts);
  }

  /** Runs {@code work} on a new thread: not the common pool, which has one thread on two cores. */
  private static CompletableFuture<Void> onThreadOfItsOwn(String name, Runnable work) {
    return CompletableFuture.runAsync(work, r -> new Thread(r, name).start());
  }

  /** Waits for {@code f} to end, however it ends, so that a failure elsewhere does not race what it still does. */
  private static void awaitQuietly(CompletableFuture<?> f) {
    try {
      f.join();
    } catch (RuntimeException e) {
      // Thrown by the caller's own join, once nothing else failed.
    }
  }

  /** Runs each part on a thread of its own and waits for all; the first failure is thrown once all have ended. */
  private static void startInParallel(List<Runnable> parts) {
    List<RuntimeException> failures;
    try {
      failures = sideBySide(parts, "weft-start-");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the stack", e);
    }
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  private void startSink(Consumer<String> progress) {
    HistoryStore store;
    try {
      store = HistoryStores.open(options.historyLocation());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--history: " + e.getMessage(), e);
    }
    LineageEmitter lineage;
    try {
      lineage = LineageEmitter.open(options.lineage(), options.lineageFileOrDefault(), options.workDir());
    } catch (IllegalArgumentException e) {
      store.close();
      throw new IllegalArgumentException("--lineage: " + e.getMessage(), e);
    }
    sink = CompletionSink.start(CompletionSink.Config.of(kafka.bootstrapServers(), serdes.runEvent().deserializer(),
        topics, store).withLineage(lineage));
    SinkMetrics.bind(sink, telemetry.registry());
    progress.accept("completion sink writing history to " + sink.location()
        + (lineage == null ? "" : ", lineage to " + lineage.description()));
  }

  /** The coordinator, built but not started: see {@link Coordinator#create}. */
  private void buildCoordinator() {
    Coordinator.loadNativeLibraries();
    coordinator = Coordinator.create(coordinatorConfig(), serdes, telemetry);
  }

  private CoordinatorConfig coordinatorConfig() {
    CoordinatorConfig c = CoordinatorConfig.defaults(kafka.bootstrapServers(), options.dataDir().resolve("coordinator"))
        .withApiPort(options.apiPort())
        .withOptions(CoordinatorOptions.DEFAULT.withRetainFinished(options.retainFinished())
            .withLimits(options.limits()));
    // A throwaway stack (schemas kept in this JVM) stops right after its run, and a consumer's close waits for the
    // fetch parked at the broker, which answers a connection's requests in order: 500 ms by default, most of the
    // coordinator's close (2026-12-02). An idle fetch then returns five times as often, for one run's life.
    if (options.inProcessRegistry()) {
      c = c.withClientProperties(Map.of(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 100));
    }
    return c;
  }

  private void startCoordinator(Consumer<String> progress) {
    if (coordinator == null) coordinator = Coordinator.create(coordinatorConfig(), serdes, telemetry);
    coordinator.start(Duration.ofSeconds(90));
    progress.accept("coordinator running" + (coordinator.apiPort() > 0 ? ", UI and API at " + apiUrl() : ""));
  }

  private void startExecutors(Consumer<String> progress) {
    Map<String, Runnable> starters = executorStarters();
    Set<String> first = options.executorsFirst();
    List<String> later = starters.keySet().stream().filter(n -> !first.isEmpty() && !first.contains(n)).toList();
    starters.forEach((name, start) -> {
      if (!later.contains(name)) start.run();
    });
    progress.accept("executors running: " + String.join(", ", runningExecutorNames())
        + (later.isEmpty() ? "" : "; starting in the background: " + String.join(", ", later)));
    List<String> early;
    synchronized (notes) {
      early = List.copyOf(notes);
    }
    early.forEach(progress);
    if (!later.isEmpty()) {
      // Started after the stack is ready, not never: a task can spawn tasks of any executor, and their commands wait
      // in the executor's topic (read from the earliest offset) until it runs.
      laterExecutors = new Thread(() -> later.forEach(name -> {
        if (!closing) starters.get(name).run();
      }), "weft-start-later-executors");
      laterExecutors.start();
    }
  }

  /** How to start each executor, in the order they start; a start that cannot run here adds a note instead. */
  private Map<String, Runnable> executorStarters() {
    Map<String, Runnable> starters = new LinkedHashMap<>();
    starters.put(ProcessBackend.NAME,
        () -> startExecutor(new ProcessBackend(options.workDir(), options.dataDir().resolve("process-executor"))));
    starters.put(NoopBackend.NAME, () -> startExecutor(new NoopBackend()));
    starters.put(ContainerBackend.NAME, () -> {
      try {
        startExecutor(new ContainerBackend());
      } catch (RuntimeException e) {
        note("container executor not started: " + e.getMessage());
      }
    });
    starters.put(SparkBackend.NAME, () -> {
      // An installed Spark (SPARK_HOME) wins; otherwise the Spark jars this build downloaded, in local mode.
      Optional<SparkBackendConfig> spark = SparkBackendConfig.detect("local[2]", options.workDir());
      if (spark.isPresent()) {
        startExecutor(new SparkBackend(spark.get()));
      } else {
        note("spark executor not started: no SPARK_HOME and Spark's classpath was not built (run `mvn install`)");
      }
    });
    starters.put(BatchBackend.NAME, () -> {
      // Batch runs where AWS is configured the AWS way (a region, or an endpoint such as a local moto).
      Optional<String> noBatch = BatchSettings.whyNotConfigured();
      try {
        if (noBatch.isPresent()) note("batch executor not started: " + noBatch.get());
        // Tagged with the stable instance id, so that a restarted stack adopts its jobs; they run on while it is
        // down.
        else startExecutor(BatchBackend.NAME, id -> new BatchBackend(
            BatchSettings.defaults(System.getenv("WEFT_BATCH_JOB_QUEUE"), id)), false);
      } catch (RuntimeException e) {
        note("batch executor not started: " + e.getMessage());
      }
    });
    return starters;
  }

  private void note(String note) {
    synchronized (notes) {
      notes.add(note);
    }
  }

  private List<String> runningExecutorNames() {
    synchronized (executors) {
      return List.copyOf(executors.keySet());
    }
  }

  /** Each executor keeps its instance id in {@code <data dir>/<name>-executor}, so a restarted stack is the same member. */
  private void startExecutor(ExecutorBackend backend) {
    startExecutor(backend.name(), id -> backend, true);
  }

  private void startExecutor(String name, java.util.function.Function<String, ExecutorBackend> backendFor,
      boolean cancelRunningOnClose) {
    ExecutorConfig.Builder config = ExecutorConfig.builder(kafka.bootstrapServers(), serdes.taskCommand(),
        serdes.taskEvent()).topics(topics).cancelGrace(ExecutorInstance.SERVICE_CANCEL_GRACE)
        .maxConcurrent(options.maxConcurrent())
        .cancelRunningOnClose(cancelRunningOnClose);
    ExecutorInstance instance = ExecutorInstance.start(config, name, backendFor,
        options.dataDir().resolve(name + "-executor"), null, telemetry.registry());
    synchronized (executors) {
      executors.put(name, instance);
    }
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  /** The registry's URL, or null when schemas are kept in this process ({@link Options#inProcessRegistry}). */
  public String registryUrl() {
    return registry == null ? null : registry.url();
  }

  /** The coordinator's UI and API, or null when this stack runs no coordinator. */
  public String apiUrl() {
    return coordinator == null || coordinator.apiPort() < 0 ? null : "http://127.0.0.1:" + coordinator.apiPort();
  }

  public WeftSerdes serdes() {
    return serdes;
  }

  public Topics topics() {
    return topics;
  }

  public Coordinator coordinator() {
    return coordinator;
  }

  /** What this stack was started with. */
  public Options options() {
    return options;
  }

  /** The completion sink, or null when this stack runs none. */
  public CompletionSink sink() {
    return sink;
  }

  /** The executors' runtimes by name (none when this stack runs no executors). */
  public Map<String, ExecutorRuntime> executors() {
    Map<String, ExecutorRuntime> out = new LinkedHashMap<>();
    synchronized (executors) {
      executors.forEach((name, instance) -> out.put(name, instance.runtime()));
    }
    return out;
  }

  public EmbeddedKafka kafka() {
    return kafka;
  }

  public EmbeddedRegistry registry() {
    return registry;
  }

  /**
   * Stops everything, in the order that lets each part finish cleanly while what it talks to is still up: the
   * executors together (their last events), then the coordinator (its last commit; it leaves its group), then the
   * registry and the broker together.
   */
  @Override
  public void close() {
    closeServices(true);
    List<AutoCloseable> infrastructure = new ArrayList<>();
    if (registry != null) infrastructure.add(registry);
    if (kafka != null) infrastructure.add(kafka);
    inParallel(infrastructure);
    registry = null;
    kafka = null;
  }

  /**
   * In order, the executors together, then the coordinator, then the sink: each part's last words reach what it talks
   * to. Otherwise all at once.
   */
  private void closeServices(boolean inOrder) {
    closing = true;
    if (laterExecutors != null) {
      try {
        laterExecutors.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      laterExecutors = null;
    }
    List<AutoCloseable> running;
    synchronized (executors) {
      running = new ArrayList<>(executors.values());
      executors.clear();
    }
    if (!inOrder) {
      if (coordinator != null) running.add(coordinator);
      if (sink != null) running.add(sink);
      coordinator = null;
      sink = null;
    }
    inParallel(running);
    if (coordinator != null) quietly(coordinator);
    coordinator = null;
    // After the coordinator: the sink writes what it published last.
    if (sink != null) quietly(sink);
    sink = null;
  }

  /**
   * Stops a stack whose data is about to be deleted ({@code weft run} without {@code --data-dir}): the services stop
   * all at once rather than in {@link #close}'s order, and the broker is killed rather than shut down in order (a
   * broker in this JVM cannot be killed: it shuts down). A controlled shutdown (leadership moved, logs flushed, the
   * controller told) takes a second or two and keeps nothing that anyone will read.
   */
  public void closeDiscardingData() {
    if (kafka != null) {
      EmbeddedKafka broker = kafka;
      try {
        // All at once: their last words (events, a commit, leaving their groups) go to data nobody will read, so
        // none needs another to be up. The broker stays known until then: an executor still starting in the
        // background (closeServices waits for it) reads its address.
        closeServices(false);
      } finally {
        kafka = null;
        broker.kill();
        close();
      }
    } else {
      close();
    }
  }

  /** Closes the parts side by side, each quietly; an interrupt stops the waiting, not the closing. */
  private static void inParallel(List<? extends AutoCloseable> parts) {
    try {
      sideBySide(parts.stream().<Runnable>map(p -> () -> quietly(p)).toList(), "weft-stop-");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Runs each part on a thread of its own and waits for all of them: own threads, not the common pool, since on two
   * cores that pool has one thread, and stopping runs in shutdown hooks too.
   *
   * @return what the parts threw, in no particular order
   */
  private static List<RuntimeException> sideBySide(List<Runnable> parts, String threadPrefix)
      throws InterruptedException {
    List<RuntimeException> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (Runnable part : parts) {
      Thread t = new Thread(() -> {
        try {
          part.run();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }, threadPrefix + threads.size());
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) t.join();
    return failures;
  }

  private static void quietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("weft: while stopping " + c.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
