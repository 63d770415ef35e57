package dev.weft.executor;

import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.ExecutorBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of the executor group {@code weft-executor-<backend>}: reads commands from {@code commands.<backend>},
 * runs them on an {@link ExecutorBackend} and publishes task events. This class is its lifecycle and its wiring; the
 * work is done by:
 *
 * <ul>
 *   <li>{@link ExecutorLoop}: the poll thread, the one owner of the consumer and the producer: one transaction per
 *       poll, holding the poll's STARTED events and offsets, launches only after it committed;
 *   <li>{@link CommandHandler}: what a poll's commands mean, returned as a {@link CommandPlan} value (no Kafka, no
 *       backend), over a read-only view of {@link RunningAttempts};
 *   <li>{@link AttemptLauncher} and {@link AttemptStopper}: backend calls that may block, on their own threads;
 *   <li>{@link SignalApplier}: what backends report ({@link Signals}), applied on the loop thread;
 *   <li>{@link EventTransactions}: the transactional producer; {@link LeaseWatchdog}: fencing ({@link AttemptLeases});
 *   <li>{@link Adoption} on start, {@link Shutdown} on close and halt.
 * </ul>
 *
 * <p>Threads: {@link #start}, {@link #close} and {@link #halt} may be called from any thread; everything else happens
 * on the loop thread. The runtime does not close the backend: whoever created it does.
 */
public final class ExecutorRuntime implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /**
   * How long {@link #close()} takes at most: SIGTERM of {@code weft executor} must end well before an orchestrator's
   * kill (Kubernetes waits 30 s by default). Its steps fit in it: leaving the group, stopping running attempts with
   * {@link Shutdown#SHUTDOWN_CANCEL_GRACE}, sending their outcomes, closing the producer. If a step hangs (a broker that
   * does not answer), close returns anyway and the work still dies with the JVM (ChildLauncher) or is adopted
   * (containers).
   */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(ExecutorRuntime.class);

  /** Lifecycle of a runtime; FAILED means the loop stopped on an error that needs a new instance (see failure()). */
  public enum State { NEW, STARTING, RUNNING, CLOSING, CLOSED, HALTED, FAILED }

  private final ExecutorConfig config;
  private final ExecutorBackend backend;
  private final String groupId;
  private final String commandTopic;
  private final String transactionalId;
  private final ExecutorCounters counters = new ExecutorCounters();
  private final RunningAttempts attempts = new RunningAttempts();
  private final Assignment assignment;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final ExecutorMetrics metrics;
  /** Where attempts' result and spawn files live (AttemptFiles); null when the backend takes none. */
  private final Path attemptFilesBase;
  private final AttemptLauncher launcher;
  private final AttemptStopper stopper;
  private final LeaseWatchdog watchdog;
  private final EventTransactions transactions;
  private final Adoption adoption;
  private final ExecutorLoop loop;
  private final Shutdown shutdown;

  private volatile State state = State.NEW;
  private volatile Throwable failure;
  private Thread loopThread;

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
    this.assignment = new Assignment(transactionalId);
    try {
      this.attemptFilesBase = backend.takesAttemptFiles()
          ? AttemptFiles.newBase("weft-" + backend.name() + "-" + config.instanceId() + "-attempts-") : null;
    } catch (IOException e) {
      throw new UncheckedIOException("executor " + transactionalId + " cannot create a directory for its "
          + "attempts' result and spawn files in " + System.getProperty("java.io.tmpdir") + ": " + e, e);
    }
    AttemptEvents events = new AttemptEvents(config.instanceId());
    Signals signals = new Signals(transactionalId, backend.name());
    AttemptLeases<Attempt> leases = new AttemptLeases<>();
    Outbox outbox = new Outbox();
    this.stopper = new AttemptStopper(backend, config.cancelGrace(), counters, transactionalId);
    this.launcher = new AttemptLauncher(backend, attemptFilesBase, config.maxConcurrent(), attempts, leases, outbox,
        signals, events, counters, () -> state == State.HALTED, transactionalId);
    this.watchdog = new LeaseWatchdog(leases, stopper, counters, config.cancelGrace(), backend.name(),
        config.instanceId(), transactionalId);
    this.transactions = new EventTransactions(config, transactionalId, metrics, counters,
        () -> state == State.RUNNING);
    this.adoption = new Adoption(backend, attempts, leases, outbox, signals, events, counters, transactionalId);
    SignalApplier applier = new SignalApplier(signals, attempts, leases, outbox, stopper, events, counters);
    CommandHandler handler = new CommandHandler(new CommandDecoder(config.commandSerde().deserializer()),
        config.outputChecker(), events, config.maxConcurrent(), config.topics().deadLetter(),
        "executor/" + backend.name() + "/" + config.instanceId(), transactionalId);
    this.loop = new ExecutorLoop(config, backend, handler, attempts, leases, outbox, events, signals, applier, launcher,
        stopper, transactions, metrics, counters, assignment, () -> state == State.HALTED, transactionalId);
    this.shutdown = new Shutdown(config, loop, attempts, signals, applier, stopper, outbox, transactions, metrics,
        transactionalId);
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
      loopThread = new Thread(this::run, "weft-executor-" + backend.name() + "-" + config.instanceId());
      loopThread.start();
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
   * when configured to (with a grace of at most {@link Shutdown#SHUTDOWN_CANCEL_GRACE}, and reports them FAILED/LOST so
   * they are retried), sends the events still due and closes the clients.
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
    watchdog.stop();
    launcher.shutdown();
    stopper.shutdown();
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
    watchdog.stop();
    loop.wakeup();
    join(Duration.ofSeconds(30));
    launcher.shutdownNow();
    stopper.shutdownNow();
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
    return attempts.count();
  }

  /** The command partitions this instance holds right now. */
  public Set<TopicPartition> assignment() {
    return assignment.partitions();
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
    Thread t = loopThread;
    if (t == null || t == Thread.currentThread()) return;
    try {
      t.join(timeout.toMillis());
      if (t.isAlive()) log.warn("executor loop {} did not stop within {}", transactionalId, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The loop thread, from start to its end. */
  private void run() {
    try {
      transactions.open();
      loop.subscribe(groupId, commandTopic);
      adoption.adoptRunning();
      watchdog.start();
      synchronized (this) {
        if (state == State.STARTING) state = State.RUNNING;
      }
      started.complete(null);
      log.info("executor {} running: group {}, topic {}, maxConcurrent {}", transactionalId, groupId, commandTopic,
          config.maxConcurrent());
      while (state == State.RUNNING) loop.iterate();
      if (state == State.HALTED) {
        shutdown.abandon();
      } else {
        shutdown.graceful();
        state = State.CLOSED;
        log.info("executor {} closed: {}", transactionalId, counters);
      }
    } catch (RuntimeException e) {
      Throwable cause = e instanceof EventTransactions.Fatal ? e.getCause() : e;
      if (state == State.HALTED) {
        shutdown.abandon();
        return;
      }
      failure = cause;
      state = State.FAILED;
      started.completeExceptionally(cause);
      log.error("executor {} stopped: {}. Running attempts are no longer reported; restart the executor.",
          transactionalId, cause.toString(), cause);
      shutdown.abandon();
    } finally {
      started.complete(null);
    }
  }
}
