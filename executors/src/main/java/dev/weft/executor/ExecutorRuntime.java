package dev.weft.executor;

import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import dev.weft.topics.DeadLetterHeaders;
import dev.weft.topics.DeadLetterReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the executor group {@code weft-executor-<backend>}: reads commands from {@code commands.<backend>},
 * runs them on an {@link ExecutorBackend} and publishes task events.
 *
 * <p><b>At most one start per attempt.</b> For each poll batch, one Kafka transaction holds the batch's STARTED events
 * and the commit of the batch's command offsets ({@code sendOffsetsToTransaction}); the work is launched only after
 * that transaction committed. A RUN read again after a crash or a rebalance is therefore either before the committed
 * offset (never started: no STARTED in the log, safe to start) or past it (started, not read again). Within an
 * instance, RUNs for an attempt already seen are ignored as well (a coordinator that re-emits a command). A
 * side-effect-free backend (noop) is the exception: it launches first, so STARTED and an instant outcome share one
 * transaction; an abort then drops what it launched.
 *
 * <p><b>One thread owns Kafka.</b> The poll loop owns the consumer and the transactional producer. Backend threads only
 * put signals (tracking URL, finished) on a queue; the loop drains it and sends the events in its next transaction,
 * together with heartbeats and new STARTED events. The poll timeout is short (50 ms) and a loop with events to send
 * polls without waiting, so events go out promptly whether or not commands arrive.
 *
 * <p><b>Bad input never stops the loop.</b> A record that does not decode is copied to the dead-letter topic (reason
 * and source topic/partition/offset in headers) in the same transaction that commits its offset. A RUN whose spec
 * does not parse is reported FAILED/INVALID_SPEC.
 *
 * <p><b>Concurrency limit.</b> When {@code maxConcurrent} attempts run, the loop stops at the first RUN it cannot
 * launch, seeks each partition back to its first unhandled record and pauses the assignment; it keeps polling so the
 * group membership stays alive, and resumes when a slot frees. A CANCEL queued behind such a RUN is therefore read
 * only when a slot frees; the local timeout still applies meanwhile.
 *
 * <p>Threads: {@link #start}, {@link #close} and {@link #halt} may be called from any thread; everything else happens
 * on the loop thread. The runtime does not close the backend: whoever created it does.
 */
public final class ExecutorRuntime implements AutoCloseable {
  /** Heartbeat interval of adopted attempts, whose RUN command (and its interval) is not known any more. */
  static final long DEFAULT_HEARTBEAT_MS = 5_000;
  /** How many attempt ids the instance remembers for dedupe; older ones rely on the committed offsets alone. */
  static final int SEEN_CAPACITY = 50_000;
  private static final int COMMIT_TIMEOUT_RETRIES = 3;
  /** Launches at once; more only queue at the engine (Docker serialises much of container creation). */
  private static final int MAX_LAUNCH_THREADS = 8;
  private static final Duration RETRY_BACKOFF = Duration.ofMillis(500);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /**
   * How long {@link #close()} takes at most: SIGTERM of {@code weft executor} must end well before an orchestrator's
   * kill (Kubernetes waits 30 s by default). Its steps fit in it: leaving the group, stopping running attempts with
   * {@link #SHUTDOWN_CANCEL_GRACE}, sending their outcomes, closing the producer. If a step hangs (a broker that does not
   * answer), close returns anyway and the work still dies with the JVM (ChildLauncher) or is adopted (containers).
   */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
  /** The SIGTERM-to-SIGKILL grace on shutdown: the configured cancel grace, but no longer than this. */
  static final Duration SHUTDOWN_CANCEL_GRACE = Duration.ofSeconds(4);
  private static final Duration CONSUMER_CLOSE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(1);
  /** How long the loop waits before decoding again once the schema registry did not answer. */
  private static final Duration REGISTRY_RETRY = Duration.ofSeconds(1);

  private static final Logger log = LoggerFactory.getLogger(ExecutorRuntime.class);

  /** Lifecycle of a runtime; FAILED means the loop stopped on an error that needs a new instance (see failure()). */
  public enum State { NEW, STARTING, RUNNING, CLOSING, CLOSED, HALTED, FAILED }

  private final ExecutorConfig config;
  private final ExecutorBackend backend;
  private final String groupId;
  private final String commandTopic;
  private final String transactionalId;
  private final ExecutorCounters counters = new ExecutorCounters();
  private final CommandDecoder decoder;
  private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
  private final ExecutorService cancelThreads;
  /**
   * Where backends launch, off the loop: a container takes seconds to create and start, and a loop launching a batch
   * of them one after the other sent no heartbeat meanwhile, so the first ones' leases ran out before the last one
   * had started (a batch of six containers on a loaded two-core machine).
   */
  private final ExecutorService launchThreads;
  private final AttemptLeases<Active> leases = new AttemptLeases<>();
  /** Fences attempts whose lease ran out, on its own thread: the loop may be blocked in a Kafka call. */
  private final ScheduledExecutorService watchdog;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final ExecutorMetrics metrics;
  /** Where attempts' result and spawn files live (AttemptFiles); null when the backend takes none. */
  private final java.nio.file.Path attemptFilesBase;

  // Loop thread only.
  private final Map<AttemptId, Active> active = new HashMap<>();
  private final Map<AttemptId, Boolean> seen = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<AttemptId, Boolean> eldest) {
      return size() > SEEN_CAPACITY;
    }
  };
  private final List<Outgoing> outbox = new ArrayList<>();
  private KafkaProducer<byte[], byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  /** Until when no command is decoded, after the schema registry did not answer; 0 when it did. */
  private long registryRetryAt;

  private volatile State state = State.NEW;
  private volatile Throwable failure;
  private volatile int activeCount;
  private volatile Set<TopicPartition> assignment = Set.of();
  private Thread loop;

  public ExecutorRuntime(ExecutorConfig config, ExecutorBackend backend) {
    this(config, backend, new CompositeMeterRegistry());
  }

  /** @param registry where its metrics go ({@link ExecutorMetrics}), Kafka clients' own included */
  public ExecutorRuntime(ExecutorConfig config, ExecutorBackend backend, MeterRegistry registry) {
    this.config = config;
    this.backend = backend;
    this.metrics = new ExecutorMetrics(this, backend.name(), registry);
    this.groupId = config.groupIdFor(backend.name());
    this.commandTopic = config.topics().commands(backend.name());
    this.transactionalId = groupId + "-" + config.instanceId();
    this.decoder = new CommandDecoder(config.commandSerde().deserializer());
    this.cancelThreads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "weft-executor-" + backend.name() + "-cancel");
      t.setDaemon(true);
      return t;
    });
    this.launchThreads = Executors.newFixedThreadPool(Math.min(config.maxConcurrent(), MAX_LAUNCH_THREADS), r -> {
      Thread t = new Thread(r, "weft-executor-" + backend.name() + "-launch");
      t.setDaemon(true);
      return t;
    });
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "weft-executor-" + backend.name() + "-lease");
      t.setDaemon(true);
      return t;
    });
    try {
      this.attemptFilesBase = backend.takesAttemptFiles()
          ? AttemptFiles.newBase("weft-" + backend.name() + "-" + config.instanceId() + "-attempts-") : null;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("executor " + transactionalId + " cannot create a directory for its "
          + "attempts' result and spawn files in " + System.getProperty("java.io.tmpdir") + ": " + e, e);
    }
  }

  /**
   * Starts the poll loop on its own thread and waits until the clients are up (transactions initialised, which also
   * fences a previous incarnation with the same instance id) and earlier work has been adopted.
   *
   * @throws IllegalStateException when the runtime was started before or could not start (the cause says why)
   */
  public void start() {
    synchronized (this) {
      if (state != State.NEW) throw new IllegalStateException("executor runtime " + transactionalId + " is " + state + "; start it once");
      state = State.STARTING;
      loop = new Thread(this::run, "weft-executor-" + backend.name() + "-" + config.instanceId());
      loop.start();
    }
    try {
      started.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("executor " + transactionalId + " could not start against " + config.bootstrapServers()
          + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      halt();
      throw new IllegalStateException("executor " + transactionalId + " did not start within " + START_TIMEOUT
          + "; is the broker at " + config.bootstrapServers() + " reachable?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting executor " + transactionalId);
    }
  }

  /**
   * Stops gracefully within {@link #CLOSE_TIMEOUT}: stops reading commands, leaves the group, cancels running attempts
   * when configured to (with a grace of at most {@link #SHUTDOWN_CANCEL_GRACE}, and reports them FAILED/LOST so they are
   * retried), sends the events still due and closes the clients.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (state == State.NEW) {
        state = State.CLOSED;
        if (attemptFilesBase != null) AttemptFiles.deleteBase(attemptFilesBase);
        return;
      }
      if (state == State.STARTING || state == State.RUNNING) state = State.CLOSING;
    }
    join(CLOSE_TIMEOUT);
    watchdog.shutdownNow();
    launchThreads.shutdown();
    cancelThreads.shutdown();
    // Whatever ran here was reported (its files read) or cancelled; an attempt left running for another instance to
    // adopt loses its files (see docs/architecture.md, dynamic tasks).
    if (attemptFilesBase != null) AttemptFiles.deleteBase(attemptFilesBase);
  }

  /**
   * Abandons everything at once, as if the executor's JVM had been killed: no event is sent, no offset committed, the
   * group is not left, and the work keeps running. For failure tests.
   */
  public void halt() {
    synchronized (this) {
      if (state == State.NEW) {
        state = State.HALTED;
        return;
      }
      state = State.HALTED;
    }
    // A killed JVM fences nothing either.
    watchdog.shutdownNow();
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
    join(Duration.ofSeconds(30));
    launchThreads.shutdownNow();
    cancelThreads.shutdownNow();
  }

  public State state() {
    return state;
  }

  /** Why the loop stopped, when {@link #state()} is FAILED. */
  public Throwable failure() {
    return failure;
  }

  public ExecutorCounters counters() {
    return counters;
  }

  /** Attempts running on this instance (launched or adopted, not yet reported finished). */
  public int activeCount() {
    return activeCount;
  }

  /** The command partitions this instance holds right now. */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  public String groupId() {
    return groupId;
  }

  public String transactionalId() {
    return transactionalId;
  }

  public String commandTopic() {
    return commandTopic;
  }

  private void join(Duration timeout) {
    Thread t = loop;
    if (t == null || t == Thread.currentThread()) return;
    try {
      t.join(timeout.toMillis());
      if (t.isAlive()) log.warn("executor loop {} did not stop within {}", transactionalId, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The loop.

  private void run() {
    try {
      producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
      producer.initTransactions();
      metrics.bindProducer(producer);
      consumer = new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
      metrics.bindConsumer(consumer);
      consumer.subscribe(List.of(commandTopic), new Rebalance());
      adoptRunning();
      long tick = AttemptLeases.CHECK_INTERVAL.toMillis();
      watchdog.scheduleWithFixedDelay(this::fenceExpired, tick, tick, TimeUnit.MILLISECONDS);
      synchronized (this) {
        if (state == State.STARTING) state = State.RUNNING;
      }
      started.complete(null);
      log.info("executor {} running: group {}, topic {}, maxConcurrent {}", transactionalId, groupId, commandTopic,
          config.maxConcurrent());
      while (state == State.RUNNING) iterate();
      if (state == State.HALTED) {
        abandon();
      } else {
        shutdown();
      }
    } catch (RuntimeException e) {
      Throwable cause = e instanceof Fatal ? e.getCause() : e;
      if (state == State.HALTED) {
        abandon();
        return;
      }
      failure = cause;
      state = State.FAILED;
      started.completeExceptionally(cause);
      log.error("executor {} stopped: {}. Running attempts are no longer reported; restart the executor.",
          transactionalId, cause.toString(), cause);
      abandon();
    } finally {
      started.complete(null);
    }
  }

  private void iterate() {
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(outbox.isEmpty() && signals.isEmpty() ? config.pollTimeout() : Duration.ZERO);
    } catch (WakeupException e) {
      return;
    }
    if (state == State.HALTED) return;
    long now = System.currentTimeMillis();
    drainSignals(now);
    enforceTimeouts(now);
    addDueHeartbeats(now);
    Batch batch = new Batch();
    handle(records, batch, now);
    boolean launchFirst = backend.sideEffectFree();
    if (launchFirst) {
      launch(batch.launches);
      drainSignals(System.currentTimeMillis());
    }
    if (!outbox.isEmpty() || !batch.isEmpty()) {
      if (!commit(batch, launchFirst)) {
        if (launchFirst) forget(batch.launches.keySet());
        sleepQuietly(RETRY_BACKOFF);
        return;
      }
    }
    if (state == State.HALTED) return;
    if (!launchFirst) launchAsync(batch.launches);
    drainSignals(System.currentTimeMillis());
    updatePause();
  }

  private void handle(ConsumerRecords<byte[], byte[]> records, Batch batch, long now) {
    Map<TopicPartition, Long> deferred = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (deferred.containsKey(tp)) continue;
      boolean handled;
      try {
        handled = handle(r, batch, now);
      } catch (RuntimeException e) {
        // A bug or an unexpected input in one record must not stop the loop for every other one.
        log.error("executor {}: cannot handle {}-{}@{}: {}", transactionalId, r.topic(), r.partition(), r.offset(), e.toString(), e);
        deadLetter(r, batch, DeadLetterReason.INTERNAL_ERROR, "executor error: " + e);
        handled = true;
      }
      if (!handled) {
        deferred.put(tp, r.offset());
        continue;
      }
      batch.firstOffsets.putIfAbsent(tp, r.offset());
      batch.offsets.put(tp, new OffsetAndMetadata(r.offset() + 1));
    }
    // Records from the first one that could not be handled now on are read again (a slot freed, the registry back).
    deferred.forEach(consumer::seek);
    // A partition read to the end of this poll commits the consumer's position rather than the last offset + 1: the
    // position is past the transaction markers the coordinator's commits leave after each batch of commands, so that
    // a group that has done everything shows no lag (weft_executor_backlog_records 0) instead of one per partition.
    for (TopicPartition tp : batch.offsets.keySet()) {
      if (!deferred.containsKey(tp)) batch.offsets.put(tp, new OffsetAndMetadata(consumer.position(tp)));
    }
  }

  /**
   * @return false when the record cannot be handled now and must be read again: a RUN while every slot is taken, or
   *     any record while the schema registry does not answer
   */
  private boolean handle(ConsumerRecord<byte[], byte[]> r, Batch batch, long now) {
    if (now < registryRetryAt) return false;
    CommandDecoder.Result decoded = decoder.decode(r);
    if (decoded instanceof CommandDecoder.Bad bad) {
      counters.commands.incrementAndGet();
      log.warn("executor {}: {}-{}@{} dead-lettered: {}", transactionalId, r.topic(), r.partition(), r.offset(), bad.reason());
      deadLetter(r, batch, bad.category(), bad.reason());
      return true;
    }
    if (decoded instanceof CommandDecoder.RegistryUnavailable down) {
      // The record may be fine: neither run nor dead-letter it, read it again once the registry may be back.
      counters.registryWaits.incrementAndGet();
      registryRetryAt = now + REGISTRY_RETRY.toMillis();
      log.warn("executor {}: cannot decode {}-{}@{} while the schema registry does not answer; reading it again in {}: {}",
          transactionalId, r.topic(), r.partition(), r.offset(), REGISTRY_RETRY, down.reason());
      return false;
    }
    TaskCommand command = ((CommandDecoder.Command) decoded).command();
    AttemptId id = new AttemptId(command.getRunId(), command.getTaskId(), command.getAttempt());
    if (command.getKind() == CommandKind.CANCEL) {
      counters.commands.incrementAndGet();
      cancel(id, command.getReason() == null ? "cancelled" : command.getReason(), batch, now);
      return true;
    }
    return run(id, command, batch, now);
  }

  private boolean run(AttemptId id, TaskCommand command, Batch batch, long now) {
    if (seen.containsKey(id) || batch.seen.contains(id)) {
      counters.commands.incrementAndGet();
      counters.duplicates.incrementAndGet();
      log.info("executor {}: ignoring RUN for attempt {}: already seen by this instance", transactionalId, id);
      return true;
    }
    if (command.getTaskSpecJson() == null) {
      return refuse(id, batch, now, "RUN command for " + id + " carries no taskSpecJson");
    }
    TaskSpec spec;
    try {
      spec = SpecJson.MAPPER.readValue(command.getTaskSpecJson(), TaskSpec.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return refuse(id, batch, now, "the task spec of " + id + " does not parse: " + e.getOriginalMessage());
    }
    String output = spec.output();
    if (output != null && !output.isBlank()) {
      try {
        if (config.outputChecker().exists(output)) {
          counters.commands.incrementAndGet();
          counters.skipped.incrementAndGet();
          batch.seen.add(id);
          batch.add(event(TaskEventKind.SKIPPED, id, now).setReason(Texts.head("output " + output + " exists", Texts.MAX_REASON_BYTES)));
          return true;
        }
      } catch (OutputChecker.UnsupportedOutputException e) {
        return refuse(id, batch, now, e.getMessage());
      } catch (IOException e) {
        counters.commands.incrementAndGet();
        batch.seen.add(id);
        // Luigi fails a task whose complete() raises: an output that cannot be seen is neither known present (SKIPPED
        // could leave it missing) nor absent (running could overwrite it). OTHER is retried while attempts are left.
        batch.add(failed(id, now, FailureKind.OTHER, null, "cannot check output " + output + ": " + e.getMessage(),
            null));
        return true;
      }
    }
    if (active.size() + batch.launches.size() >= config.maxConcurrent()) return false;
    counters.commands.incrementAndGet();
    batch.seen.add(id);
    Duration timeout = command.getTimeoutMs() > 0 ? Duration.ofMillis(command.getTimeoutMs()) : null;
    long heartbeat = command.getHeartbeatIntervalMs() > 0 ? command.getHeartbeatIntervalMs() : DEFAULT_HEARTBEAT_MS;
    batch.add(event(TaskEventKind.STARTED, id, now));
    batch.launches.put(id, new PendingLaunch(new AttemptRequest(id, command.getPipeline(), spec, timeout), heartbeat,
        AttemptLeases.heartbeatTimeoutMs(command, heartbeat), now));
    return true;
  }

  private boolean refuse(AttemptId id, Batch batch, long now, String reason) {
    counters.commands.incrementAndGet();
    counters.invalidSpecs.incrementAndGet();
    batch.seen.add(id);
    log.info("executor {}: attempt {} failed with INVALID_SPEC: {}", transactionalId, id, reason);
    batch.add(failed(id, now, FailureKind.INVALID_SPEC, null, reason, null));
    return true;
  }

  private void cancel(AttemptId id, String reason, Batch batch, long now) {
    Active a = active.get(id);
    if (a != null) {
      if (a.cancelReason == null && !a.timedOut) {
        counters.cancels.incrementAndGet();
        a.cancelReason = reason;
        // Still launching: it is stopped as soon as its launch returns (launched()).
        if (a.running != null) cancelAsync(a, reason);
      }
      return;
    }
    if (batch.launches.remove(id) != null) {
      // RUN and CANCEL in the same batch: STARTED is already in this transaction, so report the cancel right after
      // it and never launch.
      counters.cancels.incrementAndGet();
      batch.add(event(TaskEventKind.CANCELLED, id, now).setFailureKind(FailureKind.CANCELLED)
          .setReason(Texts.head(reason, Texts.MAX_REASON_BYTES)));
      return;
    }
    counters.unknownCancels.incrementAndGet();
    log.info("executor {}: CANCEL for attempt {}, which does not run on this instance; asking the backend to stop it "
        + "in case its executor is gone", transactionalId, id);
    // Work whose executor died for good (a container) is found and stopped here; the coordinator sent this CANCEL when
    // it presumed the attempt lost. Off the loop: the backend may ask its engine.
    cancelThreads.execute(() -> {
      try {
        if (backend.stopUnwatched(id, config.cancelGrace(), reason)) counters.unwatchedStops.incrementAndGet();
      } catch (RuntimeException e) {
        log.warn("executor {}: stopping unwatched attempt {} failed: {}", transactionalId, id, e.toString(), e);
      }
    });
  }

  private void cancelAsync(Active a, String reason) {
    cancelAsync(a, reason, config.cancelGrace());
  }

  private void cancelAsync(Active a, String reason, Duration grace) {
    RunningAttempt running = a.running;
    // Backends may block in cancel (docker stop waits for the grace); the loop must not.
    cancelThreads.execute(() -> {
      try {
        running.cancel(grace, reason);
      } catch (RuntimeException e) {
        log.warn("executor {}: cancel of attempt {} failed: {}", transactionalId, a.id, e.toString(), e);
      }
    });
  }

  private void launch(Map<AttemptId, PendingLaunch> launches) {
    for (PendingLaunch p : launches.values()) {
      if (state == State.HALTED) return;
      AttemptId id = p.request.id();
      long now = System.currentTimeMillis();
      Active a = new Active(id, p.heartbeatMs, p.heartbeatTimeoutMs,
          p.request.timeout() == null ? 0 : p.request.timeout().toMillis(), now);
      active.put(id, a);
      counters.launched.incrementAndGet();
      try {
        AttemptRequest request = p.request;
        if (attemptFilesBase != null) {
          a.files = AttemptFiles.create(attemptFilesBase, id);
          request = request.withFiles(a.files);
        }
        a.running = backend.launch(request, a);
        // From STARTED's stamp: that is the coordinator's lastSeen until the first heartbeat commits.
        if (!a.finishSignalled) leases.hold(id, a, p.startedAtMs, p.heartbeatTimeoutMs);
        a.nextHeartbeatAt = now + a.heartbeatMs;
        // An attempt that finished inside launch (noop) needs no heartbeat: its outcome is already queued.
        if (!a.finishSignalled) outbox.add(Outgoing.event(event(TaskEventKind.HEARTBEAT, id, now).setHandle(a.running.handle()).setPhase(a.running.phase()).build()));
      } catch (java.io.IOException e) {
        active.remove(id);
        counters.launchFailures.incrementAndGet();
        log.warn("executor {}: attempt {}: cannot create its result and spawn files: {}", transactionalId, id, e.toString());
        outbox.add(Outgoing.event(failed(id, now, FailureKind.LAUNCH_ERROR, null,
            "cannot create the attempt's result and spawn files under " + attemptFilesBase + ": " + e, null).build()));
      } catch (LaunchException e) {
        if (a.files != null) a.files.delete();
        active.remove(id);
        counters.launchFailures.incrementAndGet();
        log.info("executor {}: attempt {} could not start ({}): {}", transactionalId, id, e.kind(), e.getMessage());
        outbox.add(Outgoing.event(failed(id, now, e.kind(), null, e.getMessage(), null).build()));
      } catch (RuntimeException e) {
        if (a.files != null) a.files.delete();
        active.remove(id);
        counters.launchFailures.incrementAndGet();
        log.error("executor {}: backend {} failed to launch attempt {}", transactionalId, backend.name(), id, e);
        outbox.add(Outgoing.event(failed(id, now, FailureKind.LAUNCH_ERROR, null,
            "backend " + backend.name() + " failed to launch: " + e, null).build()));
      }
    }
    activeCount = active.size();
  }

  /**
   * Hands each attempt to a launch thread and returns at once, so the loop keeps committing heartbeats while backends
   * launch. Each attempt holds its lease from its STARTED stamp, sends heartbeats while it launches, and is reported
   * by a {@link Signal.Launched} or {@link Signal.LaunchFailed} when its launch returns.
   */
  private void launchAsync(Map<AttemptId, PendingLaunch> launches) {
    for (PendingLaunch p : launches.values()) {
      if (state == State.HALTED) return;
      AttemptId id = p.request.id();
      long now = System.currentTimeMillis();
      Active a = new Active(id, p.heartbeatMs, p.heartbeatTimeoutMs,
          p.request.timeout() == null ? 0 : p.request.timeout().toMillis(), now);
      AttemptRequest request = p.request;
      if (attemptFilesBase != null) {
        try {
          a.files = AttemptFiles.create(attemptFilesBase, id);
          request = request.withFiles(a.files);
        } catch (java.io.IOException e) {
          counters.launched.incrementAndGet();
          counters.launchFailures.incrementAndGet();
          log.warn("executor {}: attempt {}: cannot create its result and spawn files: {}", transactionalId, id, e.toString());
          outbox.add(Outgoing.event(failed(id, now, FailureKind.LAUNCH_ERROR, null,
              "cannot create the attempt's result and spawn files under " + attemptFilesBase + ": " + e, null).build()));
          continue;
        }
      }
      active.put(id, a);
      counters.launched.incrementAndGet();
      // From STARTED's stamp: that is the coordinator's lastSeen until the first heartbeat commits.
      leases.hold(id, a, p.startedAtMs, p.heartbeatTimeoutMs);
      a.nextHeartbeatAt = now + a.heartbeatMs;
      AttemptRequest toLaunch = request;
      a.launchReturned = false;
      launchThreads.execute(() -> a.launchReturned(launchOne(a, toLaunch)));
    }
    activeCount = active.size();
  }

  /** On a launch thread: the backend's launch, and what the loop is to make of it. */
  private Signal launchOne(Active a, AttemptRequest request) {
    try {
      return new Signal.Launched(a, backend.launch(request, a));
    } catch (LaunchException e) {
      log.info("executor {}: attempt {} could not start ({}): {}", transactionalId, a.id, e.kind(), e.getMessage());
      return new Signal.LaunchFailed(a, e.kind(), e.getMessage());
    } catch (RuntimeException e) {
      log.error("executor {}: backend {} failed to launch attempt {}", transactionalId, backend.name(), a.id, e);
      return new Signal.LaunchFailed(a, FailureKind.LAUNCH_ERROR, "backend " + backend.name() + " failed to launch: " + e);
    }
  }

  /** A launch returned: the attempt runs, unless it was cancelled, fenced or shut down meanwhile. */
  private void launched(Active a, RunningAttempt running, long now) {
    a.running = running;
    if (active.get(a.id) != a) {
      // No longer in the table (nothing removes a launching attempt today, but the table is the truth): stop what
      // started rather than leave it running unwatched.
      if (!a.finishSignalled) cancelAsync(a, "executor " + config.instanceId() + " no longer watches it");
      return;
    }
    if (!a.finishSignalled) {
      String stop = a.shutdown ? "executor " + config.instanceId() + " is shutting down"
          : a.fencedAfterMs > 0 ? "executor " + config.instanceId() + " lost contact with Kafka for " + a.fencedAfterMs
              + " ms"
          : a.cancelReason;
      if (stop != null) {
        cancelAsync(a, stop);
        return;
      }
    }
    // Its handle, even for work that already ended: the outcome, held back until now (Active.launchReturned), follows.
    outbox.add(Outgoing.event(event(TaskEventKind.HEARTBEAT, a.id, now).setHandle(running.handle())
        .setPhase(running.phase()).build()));
  }

  private void launchFailed(Signal.LaunchFailed f, long now) {
    Active a = f.active();
    if (active.get(a.id) != a) return;
    active.remove(a.id);
    leases.release(a.id);
    if (a.files != null) a.files.delete();
    counters.launchFailures.incrementAndGet();
    outbox.add(Outgoing.event(failed(a.id, now, f.kind(), null, f.reason(), null).build()));
  }

  private void adoptRunning() {
    List<AttemptId> found = backend.findRunning();
    for (AttemptId id : found) {
      Active a = new Active(id, DEFAULT_HEARTBEAT_MS, AttemptLeases.assumedTimeoutMs(DEFAULT_HEARTBEAT_MS), 0,
          System.currentTimeMillis());
      active.put(id, a);
      seen.put(id, Boolean.TRUE);
      try {
        RunningAttempt running = backend.adopt(id, a);
        if (running == null) {
          active.remove(id);
          log.info("executor {}: attempt {} could not be adopted; the coordinator will presume it lost", transactionalId, id);
          continue;
        }
        a.running = running;
        long now = System.currentTimeMillis();
        a.nextHeartbeatAt = now + a.heartbeatMs;
        // When the previous owner's last heartbeat committed is not known here; the lease starts now.
        if (!a.finishSignalled) leases.hold(id, a, now, a.heartbeatTimeoutMs);
        counters.adopted.incrementAndGet();
        log.info("executor {}: adopted attempt {} ({})", transactionalId, id, running.handle());
        if (!a.finishSignalled) outbox.add(Outgoing.event(event(TaskEventKind.HEARTBEAT, id, now).setHandle(running.handle()).setPhase(running.phase()).build()));
      } catch (RuntimeException e) {
        active.remove(id);
        log.warn("executor {}: adopting attempt {} failed: {}", transactionalId, id, e.toString(), e);
      }
    }
    activeCount = active.size();
  }

  private void drainSignals(long now) {
    Signal s;
    while ((s = signals.poll()) != null) apply(s, now);
    activeCount = active.size();
  }

  private void apply(Signal s, long now) {
    if (s instanceof Signal.Launched l) {
      launched(l.active(), l.running(), now);
      return;
    }
    if (s instanceof Signal.LaunchFailed f) {
      launchFailed(f, now);
      return;
    }
    Active a = s.active();
    if (active.get(a.id) != a) return;
    if (s instanceof Signal.Tracking t) {
      outbox.add(Outgoing.event(event(TaskEventKind.TRACKING_URL, a.id, now).setTrackingUrl(t.url()).build()));
    } else if (s instanceof Signal.Finished f) {
      active.remove(a.id);
      leases.release(a.id);
      // SPAWNED goes right before the outcome, in the same transaction: the coordinator adds the tasks while the
      // attempt is still current, and a failed spawn fails it before its SUCCEEDED is read.
      if (f.files().spawnedJson() != null && endedByItself(a, f.outcome())) {
        outbox.add(Outgoing.event(event(TaskEventKind.SPAWNED, a.id, now).setSpawnedJson(f.files().spawnedJson()).build()));
      }
      outbox.add(Outgoing.event(finishedEvent(a, f.outcome(), f.files(), now)));
    }
  }

  /**
   * The work exited by itself, successfully or with an exit code: what it spawned counts (Luigi schedules the
   * requirements a task yielded even when it then fails). Work that was stopped may have left a half-written file.
   */
  private static boolean endedByItself(Active a, AttemptOutcome o) {
    boolean stopped = a.fencedAfterMs > 0 || a.timedOut || a.shutdown || a.cancelReason != null;
    return !stopped && (o.succeeded() || o.failureKind() == FailureKind.EXIT_CODE);
  }

  private TaskEvent finishedEvent(Active a, AttemptOutcome o, AttemptFiles.Collected files, long now) {
    String tail = Texts.tail(o.logTail() == null || o.logTail().isEmpty() ? null : o.logTail(), Texts.MAX_LOG_TAIL_BYTES);
    if (o.succeeded() && files.problem() != null) {
      return failed(a.id, now, FailureKind.INVALID_SPEC, o.exitCode(), files.problem(), tail).build();
    }
    if (o.succeeded()) {
      return event(TaskEventKind.SUCCEEDED, a.id, now).setExitCode(o.exitCode()).setLogTail(tail)
          .setResultJson(files.resultJson()).build();
    }
    if (a.fencedAfterMs > 0) {
      return failed(a.id, now, FailureKind.LOST, o.exitCode(), "executor " + config.instanceId()
          + " lost contact with Kafka for " + a.fencedAfterMs + " ms (no heartbeat committed; its lease is "
          + AttemptLeases.leaseMs(a.heartbeatTimeoutMs) + " ms) and stopped the attempt; it may be retried", tail).build();
    }
    if (a.timedOut) {
      return failed(a.id, now, FailureKind.TIMED_OUT, o.exitCode(),
          "timed out after " + a.timeoutText() + " and was cancelled (" + o.reason() + ")", tail).build();
    }
    if (a.shutdown) {
      return failed(a.id, now, FailureKind.LOST, o.exitCode(),
          "executor " + config.instanceId() + " shut down while the attempt ran; it was cancelled and may be retried", tail).build();
    }
    if (a.cancelReason != null) {
      return event(TaskEventKind.CANCELLED, a.id, now).setExitCode(o.exitCode()).setFailureKind(FailureKind.CANCELLED)
          .setReason(Texts.head(a.cancelReason, Texts.MAX_REASON_BYTES)).setLogTail(tail).build();
    }
    FailureKind kind = o.failureKind() == null ? FailureKind.OTHER : o.failureKind();
    return failed(a.id, now, kind, o.exitCode(), o.reason(), tail).build();
  }

  private void enforceTimeouts(long now) {
    for (Active a : active.values()) {
      if (a.deadline > 0 && now >= a.deadline && !a.timedOut && a.running != null && !a.finishSignalled) {
        a.timedOut = true;
        counters.timeouts.incrementAndGet();
        log.info("executor {}: attempt {} timed out after {}; cancelling", transactionalId, a.id, a.timeoutText());
        cancelAsync(a, "timed out after " + a.timeoutText());
      }
    }
  }

  private void addDueHeartbeats(long now) {
    for (Active a : active.values()) {
      // An attempt still launching has a heartbeat too (no handle yet): a slow launch is not a lost attempt.
      if (!a.finishSignalled && a.fencedAfterMs == 0 && now >= a.nextHeartbeatAt) {
        a.nextHeartbeatAt = now + a.heartbeatMs;
        RunningAttempt running = a.running;
        outbox.add(Outgoing.event(event(TaskEventKind.HEARTBEAT, a.id, now)
            .setHandle(running == null ? null : running.handle()).setPhase(running == null ? null : running.phase())
            .build()));
      }
    }
  }

  private void updatePause() {
    Set<TopicPartition> assigned = consumer.assignment();
    if (active.size() >= config.maxConcurrent() || System.currentTimeMillis() < registryRetryAt) {
      if (!consumer.paused().containsAll(assigned)) consumer.pause(assigned);
    } else if (!consumer.paused().isEmpty()) {
      consumer.resume(consumer.paused());
    }
  }

  /**
   * Attempts of a side-effect-free backend launched for a batch whose transaction aborted: the batch is read again
   * and launches them anew, so this launch and whatever it queued are dropped.
   */
  private void forget(Set<AttemptId> launched) {
    launched.forEach(active::remove);
    launched.forEach(leases::release);
    activeCount = active.size();
    outbox.removeIf(o -> o.event != null && launched.contains(
        new AttemptId(o.event.getRunId(), o.event.getTaskId(), o.event.getAttempt())));
  }

  private boolean commit(Batch batch) {
    return commit(batch, false);
  }

  /**
   * @param batchFirst send the batch's events before the outbox: when attempts were launched before this commit,
   *     the outbox holds their outcomes, which must follow their STARTED in the log
   * @return whether the batch and the outbox were committed; when not, the batch's records are read again
   */
  private boolean commit(Batch batch, boolean batchFirst) {
    boolean begun = false;
    try {
      // Serialise first: a schema registry that is down fails here, before a transaction is open.
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(outbox.size() + batch.out.size());
      for (Outgoing o : batchFirst ? batch.out : outbox) records.add(toRecord(o));
      for (Outgoing o : batchFirst ? outbox : batch.out) records.add(toRecord(o));
      producer.beginTransaction();
      begun = true;
      for (ProducerRecord<byte[], byte[]> rec : records) producer.send(rec);
      if (!batch.offsets.isEmpty()) producer.sendOffsetsToTransaction(batch.offsets, consumer.groupMetadata());
      commitTransaction();
    } catch (OutOfOrderSequenceException | AuthorizationException | UnsupportedVersionException e) {
      throw new Fatal(e);
    } catch (Fatal e) {
      throw e;
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      // A newer epoch of our transactional id: the broker aborted our transaction because it outlived its timeout
      // (a broker hang of a minute does that), or another process runs under our instance id. Kafka Streams takes
      // both as "the task migrated": a new producer, and read on from what the group committed. A process that
      // really is a zombie is told so by the group next (its consumer is fenced, which stops the runtime).
      renewProducer(e);
      counters.abortedTransactions.incrementAndGet();
      seekToCommitted(batch);
      return false;
    } catch (UnknownOutcome e) {
      // The commit may or may not have happened: only the group's committed offsets can say which.
      renewProducer(e.getCause());
      counters.abortedTransactions.incrementAndGet();
      seekToCommitted(batch);
      return false;
    } catch (RuntimeException e) {
      log.warn("executor {}: transaction failed, its {} commands will be read again: {}", transactionalId,
          batch.offsets.size(), e.toString());
      if (begun) {
        try {
          producer.abortTransaction();
        } catch (RuntimeException abort) {
          // The producer is in an error state (the broker timed the transaction out during a long outage, say):
          // abortTransaction cannot leave it. A new producer under the same id resolves the old transaction.
          renewProducer(abort);
        }
      }
      counters.abortedTransactions.incrementAndGet();
      rewind(batch);
      return false;
    }
    long events = 0;
    long deadLetters = 0;
    for (Outgoing o : outbox) if (o.event != null) events++; else deadLetters++;
    for (Outgoing o : batch.out) if (o.event != null) events++; else deadLetters++;
    counters.events.addAndGet(events);
    counters.deadLettered.addAndGet(deadLetters);
    counters.transactions.incrementAndGet();
    renewLeases(outbox);
    renewLeases(batch.out);
    outbox.clear();
    for (AttemptId id : batch.seen) seen.put(id, Boolean.TRUE);
    return true;
  }

  /** Every event of an attempt that just committed moves its lease to the event's stamp (see AttemptLeases). */
  private void renewLeases(List<Outgoing> committed) {
    for (Outgoing o : committed) {
      if (o.event != null) {
        leases.renewed(new AttemptId(o.event.getRunId(), o.event.getTaskId(), o.event.getAttempt()), o.event.getAtMs());
      }
    }
  }

  /** On the watchdog thread: stops every attempt whose lease ran out. */
  private void fenceExpired() {
    try {
      for (AttemptLeases.Expired<Active> e : leases.expire(System.currentTimeMillis())) e.target().fence(e.silentMs());
    } catch (RuntimeException e) {
      // A failed check must not end the schedule: the next tick tries again.
      log.error("executor {}: lease check failed", transactionalId, e);
    }
  }

  private void commitTransaction() {
    for (int i = 1; ; i++) {
      try {
        producer.commitTransaction();
        return;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // The outcome is unknown; Kafka's contract is to retry the commit, never to abort after a timeout.
        if (i >= COMMIT_TIMEOUT_RETRIES) throw new UnknownOutcome(e);
        log.warn("executor {}: commit timed out, retrying ({}/{})", transactionalId, i, COMMIT_TIMEOUT_RETRIES);
      }
    }
  }

  /**
   * Replaces a producer that cannot go on (in an error state, or a commit whose outcome is unknown) with a new one
   * under the same transactional id. Its {@code initTransactions} completes or aborts whatever the old one left open,
   * and fences nothing but the old one. Kafka's contract for these errors is a new producer; ending the executor
   * instead lost every attempt it ran (a broker paused for 50 s did that in 4 of 7 trials).
   */
  private void renewProducer(Throwable cause) {
    log.warn("executor {}: the producer cannot go on ({}); starting a new one under the same transactional id",
        transactionalId, cause.toString());
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("executor {}: closing the old producer: {}", transactionalId, e.toString());
    }
    producer = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    for (int i = 1; ; i++) {
      try {
        producer.initTransactions();
        metrics.bindProducer(producer);
        counters.producersRenewed.incrementAndGet();
        return;
      } catch (org.apache.kafka.common.errors.TimeoutException e) {
        // The broker is still away: initTransactions may be called again after a timeout.
        if (state != State.RUNNING) throw new Fatal(e);
        log.warn("executor {}: initialising the new producer timed out ({}), trying again", transactionalId, i);
      }
    }
  }

  /**
   * After a commit of unknown outcome: reads on from each partition's committed offset, which says whether the
   * batch committed (its RUNs are then past it and are not started again; their attempts have a STARTED and no
   * work, and are presumed lost and retried by the coordinator) or not (they are read and started again).
   */
  private void seekToCommitted(Batch batch) {
    if (consumer == null) return;
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata o = committed.get(tp);
      if (o != null) consumer.seek(tp, o.offset());
      else if (batch.firstOffsets.containsKey(tp)) consumer.seek(tp, batch.firstOffsets.get(tp));
    }
  }

  private void rewind(Batch batch) {
    if (consumer == null) return;
    Set<TopicPartition> assigned = consumer.assignment();
    batch.firstOffsets.forEach((tp, offset) -> {
      if (assigned.contains(tp)) consumer.seek(tp, offset);
    });
  }

  private ProducerRecord<byte[], byte[]> toRecord(Outgoing o) {
    if (o.event == null) return new ProducerRecord<>(o.topic, null, o.key, o.value, o.headers);
    String topic = config.topics().taskEvents();
    byte[] value = config.eventSerde().serializer().serialize(topic, o.event);
    return new ProducerRecord<>(topic, o.event.getRunId().getBytes(StandardCharsets.UTF_8), value);
  }

  private void deadLetter(ConsumerRecord<byte[], byte[]> r, Batch batch, DeadLetterReason category, String reason) {
    metrics.deadLettered(category);
    Headers headers = DeadLetterHeaders.of(r.headers(), reason, r.topic(), r.partition(), r.offset(),
        "executor/" + backend.name() + "/" + config.instanceId());
    batch.out.add(new Outgoing(config.topics().deadLetter(), r.key(), r.value(), headers, null));
  }

  private void shutdown() {
    // Leave the group first, so the partitions move to another instance while running attempts are wound down.
    try {
      consumer.close(CloseOptions.timeout(CONSUMER_CLOSE_TIMEOUT));
    } catch (RuntimeException e) {
      log.warn("executor {}: closing the consumer: {}", transactionalId, e.toString());
    }
    consumer = null;
    drainSignals(System.currentTimeMillis());
    Duration shutdownGrace = config.cancelGrace().compareTo(SHUTDOWN_CANCEL_GRACE) <= 0 ? config.cancelGrace() : SHUTDOWN_CANCEL_GRACE;
    if (config.cancelRunningOnClose() && !active.isEmpty()) {
      log.info("executor {}: cancelling {} running attempts before shutting down", transactionalId, active.size());
      for (Active a : active.values()) {
        if (a.finishSignalled) continue;
        // One still launching is stopped when its launch returns (launched()), within the wait below.
        a.shutdown = true;
        if (a.running != null) cancelAsync(a, "executor " + config.instanceId() + " is shutting down", shutdownGrace);
      }
      // The grace, then a second for the SIGKILL and the outcome to arrive.
      long deadline = System.nanoTime() + shutdownGrace.plusSeconds(1).toNanos();
      while (!active.isEmpty() && System.nanoTime() < deadline) {
        try {
          Signal s = signals.poll(50, TimeUnit.MILLISECONDS);
          if (s != null) apply(s, System.currentTimeMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
        drainSignals(System.currentTimeMillis());
      }
      if (!active.isEmpty()) log.warn("executor {}: {} attempts did not stop in time: {}", transactionalId, active.size(), active.keySet());
    }
    drainSignals(System.currentTimeMillis());
    if (!outbox.isEmpty()) flushWithoutOffsets();
    try {
      producer.close(PRODUCER_CLOSE_TIMEOUT);
    } catch (RuntimeException e) {
      log.warn("executor {}: closing the producer: {}", transactionalId, e.toString());
    }
    metrics.unbindClients();
    state = State.CLOSED;
    log.info("executor {} closed: {}", transactionalId, counters);
  }

  private void flushWithoutOffsets() {
    Batch empty = new Batch();
    for (int i = 0; i < 3 && !outbox.isEmpty(); i++) {
      try {
        if (commit(empty)) return;
      } catch (Fatal e) {
        break;
      }
    }
    log.warn("executor {}: {} events could not be sent before shutdown", transactionalId, outbox.size());
  }

  private void abandon() {
    metrics.unbindClients();
    if (producer != null) {
      try {
        producer.close(Duration.ZERO);
      } catch (RuntimeException e) {
        log.debug("closing the producer of a halted executor", e);
      }
    }
    if (consumer != null) {
      try {
        consumer.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP)
            .withTimeout(Duration.ZERO));
      } catch (RuntimeException e) {
        log.debug("closing the consumer of a halted executor", e);
      }
    }
  }

  private Properties producerProperties() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-producer");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // A send racing the previous transaction's commit markers is retried after this (default 100 ms, which would
    // delay every event behind it); retries still back off exponentially up to retry.backoff.max.ms.
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // A SUCCEEDED event may carry a result of up to 1 MiB (AttemptFiles.MAX_BYTES) beside its log tail.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    // Short: a transaction left open by a killed instance blocks read_committed readers of task-events until it
    // times out (unless an instance with the same id restarts and fences it first).
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    clientOverrides(p, "producer.");
    return p;
  }

  private Properties consumerProperties() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-consumer");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // A command written before this group first joined must still run.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // One transaction per poll batch: bigger batches amortise its fixed cost (AddOffsetsToTxn, commit markers).
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    clientOverrides(p, "consumer.");
    return p;
  }

  private void clientOverrides(Properties p, String prefix) {
    config.clientProperties().forEach((k, v) -> {
      if (k.startsWith(prefix)) p.put(k.substring(prefix.length()), v);
      else if (!k.startsWith("producer.") && !k.startsWith("consumer.")) p.put(k, v);
    });
  }

  private TaskEvent.Builder event(TaskEventKind kind, AttemptId id, long now) {
    return TaskEvent.newBuilder().setKind(kind).setRunId(id.runId()).setTaskId(id.taskId()).setAttempt(id.attempt())
        .setAtMs(now).setSource(config.instanceId());
  }

  private TaskEvent.Builder failed(AttemptId id, long now, FailureKind kind, Integer exitCode, String reason, String logTail) {
    return event(TaskEventKind.FAILED, id, now).setFailureKind(kind).setExitCode(exitCode)
        .setReason(Texts.head(reason, Texts.MAX_REASON_BYTES)).setLogTail(Texts.tail(logTail, Texts.MAX_LOG_TAIL_BYTES));
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // Nothing to commit: every batch is committed before the next poll, the only place this is called from.
      Set<TopicPartition> now = new HashSet<>(assignment);
      now.removeAll(partitions);
      assignment = Set.copyOf(now);
      log.info("executor {}: partitions revoked {}", transactionalId, partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      Set<TopicPartition> now = new HashSet<>(assignment);
      now.addAll(partitions);
      assignment = Set.copyOf(now);
      log.info("executor {}: partitions assigned {}", transactionalId, partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      onPartitionsRevoked(partitions);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Loop state.

  /** An attempt running here. Its listener methods run on backend threads and only enqueue signals. */
  private final class Active implements AttemptListener {
    final AttemptId id;
    final long heartbeatMs;
    final long heartbeatTimeoutMs;
    final long timeoutMs;
    /** When the local timeout fires; 0 for none. */
    final long deadline;
    volatile RunningAttempt running;
    volatile boolean finishSignalled;
    /** Its result and spawn files; null when the backend takes none. */
    volatile AttemptFiles files;
    long nextHeartbeatAt;
    String cancelReason;
    boolean timedOut;
    boolean shutdown;
    /**
     * False while a launch thread runs the backend's launch. An outcome the backend reports meanwhile (work that ends
     * at once) is held back until the launch has returned, so that the loop sees Launched (with the handle) first.
     */
    private boolean launchReturned = true;
    private Signal.Finished heldBackOutcome;
    /** How long it had been silent when its lease ran out and it was stopped; 0 while it holds its lease. */
    volatile long fencedAfterMs;

    Active(AttemptId id, long heartbeatMs, long heartbeatTimeoutMs, long timeoutMs, long now) {
      this.id = id;
      this.heartbeatMs = heartbeatMs;
      this.heartbeatTimeoutMs = heartbeatTimeoutMs;
      this.timeoutMs = timeoutMs;
      this.deadline = timeoutMs > 0 ? now + timeoutMs : 0;
    }

    /** Called by the watchdog, once, when the lease ran out. */
    void fence(long silentMs) {
      fencedAfterMs = Math.max(1, silentMs);
      counters.fenced.incrementAndGet();
      Duration grace = AttemptLeases.fenceGrace(heartbeatTimeoutMs, config.cancelGrace());
      log.warn("executor {}: nothing of attempt {} reached Kafka for {} ms (lease {} ms of heartbeatTimeout {} ms); "
          + "stopping it before the coordinator presumes it lost and retries it (SIGKILL after {})", transactionalId, id,
          silentMs, AttemptLeases.leaseMs(heartbeatTimeoutMs), heartbeatTimeoutMs, grace);
      if (running != null && !finishSignalled) {
        cancelAsync(this, "executor " + config.instanceId() + " lost contact with Kafka for " + silentMs + " ms", grace);
      }
    }

    String timeoutText() {
      return Duration.ofMillis(timeoutMs).toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void trackingUrl(String url) {
      if (url != null) signals.add(new Signal.Tracking(this, url));
    }

    @Override
    public void finished(AttemptOutcome outcome) {
      if (finishSignalled) {
        log.warn("executor {}: backend {} reported attempt {} finished twice; ignoring {}", transactionalId, backend.name(), id, outcome);
        return;
      }
      finishSignalled = true;
      // Read here, on the backend's thread, not on the poll loop: up to 2 MiB of files.
      AttemptFiles f = files;
      Signal.Finished signal = new Signal.Finished(this, outcome, f == null ? AttemptFiles.Collected.NOTHING : f.collect());
      synchronized (this) {
        if (!launchReturned) {
          heldBackOutcome = signal;
          return;
        }
      }
      signals.add(signal);
    }

    /** On the launch thread, once the backend's launch returned: its signal, then any outcome held back meanwhile. */
    void launchReturned(Signal launch) {
      synchronized (this) {
        launchReturned = true;
        signals.add(launch);
        if (heldBackOutcome != null) signals.add(heldBackOutcome);
        heldBackOutcome = null;
      }
    }
  }

  private sealed interface Signal {
    Active active();

    record Tracking(Active active, String url) implements Signal {}

    record Finished(Active active, AttemptOutcome outcome, AttemptFiles.Collected files) implements Signal {}

    /** The backend's launch returned the running attempt. */
    record Launched(Active active, RunningAttempt running) implements Signal {}

    /** The backend's launch refused or failed; nothing runs. */
    record LaunchFailed(Active active, FailureKind kind, String reason) implements Signal {}
  }

  private record PendingLaunch(AttemptRequest request, long heartbeatMs, long heartbeatTimeoutMs, long startedAtMs) {}

  /** A dead-letter record (raw bytes) or a task event (serialised at commit time). */
  private record Outgoing(String topic, byte[] key, byte[] value, Headers headers, TaskEvent event) {
    static Outgoing event(TaskEvent e) {
      return new Outgoing(null, null, null, null, e);
    }
  }

  /** What one poll batch produces: committed together or not at all. */
  private static final class Batch {
    final List<Outgoing> out = new ArrayList<>();
    final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
    final Map<AttemptId, PendingLaunch> launches = new LinkedHashMap<>();
    final Set<AttemptId> seen = new HashSet<>();

    void add(TaskEvent.Builder e) {
      out.add(Outgoing.event(e.build()));
    }

    boolean isEmpty() {
      return out.isEmpty() && offsets.isEmpty();
    }
  }

  /** An error after which this instance cannot go on (fenced, unauthorised): the loop stops. */
  /** A commit that timed out again and again: it may have happened or not. */
  private static final class UnknownOutcome extends RuntimeException {
    UnknownOutcome(Throwable cause) {
      super(cause);
    }
  }

  private static final class Fatal extends RuntimeException {
    Fatal(Throwable cause) {
      super(cause);
    }
  }
}
