package dev.weft.executor;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Launches the attempts of a plan whose transaction committed. Each attempt enters the table and holds its lease from
 * its STARTED stamp (the coordinator's lastSeen until its first heartbeat commits); its result and spawn files are
 * created first, for a backend that takes them.
 *
 * <p><b>On launch threads, not the loop.</b> A container takes seconds to create and start, and a loop launching a
 * batch of them one after the other sent no heartbeat meanwhile, so the first ones' leases ran out before the last one
 * had started (a batch of six containers on a loaded two-core machine). So {@link #launchAsync} hands each attempt to
 * a pool of at most {@link #MAX_LAUNCH_THREADS} and returns; the loop keeps committing heartbeats, and each launch
 * comes back as a {@link Signal.Launched} or {@link Signal.LaunchFailed}. {@link #launchInline} is for a
 * side-effect-free backend only (noop), which launches before the transaction (see ExecutorLoop).
 */
final class AttemptLauncher {
  /** Launches at once; more only queue at the engine (Docker serialises much of container creation). */
  static final int MAX_LAUNCH_THREADS = 8;

  private static final Logger log = LoggerFactory.getLogger(AttemptLauncher.class);

  private final ExecutorBackend backend;
  /** Where attempts' result and spawn files live; null when the backend takes none. */
  private final Path attemptFilesBase;
  private final RunningAttempts attempts;
  private final AttemptLeases<Attempt> leases;
  private final Outbox outbox;
  private final Signals signals;
  private final AttemptEvents events;
  private final ExecutorCounters counters;
  private final BooleanSupplier halted;
  private final String name;
  private final ExecutorService threads;

  AttemptLauncher(ExecutorBackend backend, Path attemptFilesBase, int maxConcurrent, RunningAttempts attempts,
      AttemptLeases<Attempt> leases, Outbox outbox, Signals signals, AttemptEvents events, ExecutorCounters counters,
      BooleanSupplier halted, String name) {
    this.backend = backend;
    this.attemptFilesBase = attemptFilesBase;
    this.attempts = attempts;
    this.leases = leases;
    this.outbox = outbox;
    this.signals = signals;
    this.events = events;
    this.counters = counters;
    this.halted = halted;
    this.name = name;
    this.threads = Executors.newFixedThreadPool(Math.min(maxConcurrent, MAX_LAUNCH_THREADS), r -> {
      Thread t = new Thread(r, "weft-executor-" + backend.name() + "-launch");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Hands each attempt to a launch thread and returns at once. Each attempt holds its lease from its STARTED stamp,
   * is sent heartbeats while it launches, and is reported by a {@link Signal.Launched} or {@link Signal.LaunchFailed}
   * when its launch returns.
   */
  void launchAsync(List<CommandPlan.Launch> launches) {
    for (CommandPlan.Launch p : launches) {
      if (halted.getAsBoolean()) return;
      AttemptId id = p.id();
      long now = System.currentTimeMillis();
      Attempt a = newAttempt(p, now);
      AttemptRequest request;
      try {
        request = withFiles(a, p.request());
      } catch (IOException e) {
        counters.launched.incrementAndGet();
        filesFailed(id, now, e);
        continue;
      }
      attempts.put(a);
      counters.launched.incrementAndGet();
      leases.hold(id, a, p.startedAtMs(), p.heartbeatTimeoutMs());
      a.nextHeartbeatAt = now + a.heartbeatMs;
      a.launching();
      threads.execute(() -> a.launchReturned(launchOne(a, request)));
    }
  }

  /**
   * Launches on the calling thread (the loop), for a side-effect-free backend whose launch is instant: an outcome it
   * reports at once is queued behind the heartbeat, and both go out in the STARTED's transaction.
   */
  void launchInline(List<CommandPlan.Launch> launches) {
    for (CommandPlan.Launch p : launches) {
      if (halted.getAsBoolean()) return;
      AttemptId id = p.id();
      long now = System.currentTimeMillis();
      Attempt a = newAttempt(p, now);
      attempts.put(a);
      counters.launched.incrementAndGet();
      try {
        AttemptRequest request = withFiles(a, p.request());
        a.running = backend.launch(request, a);
        if (!a.finishSignalled) leases.hold(id, a, p.startedAtMs(), p.heartbeatTimeoutMs());
        a.nextHeartbeatAt = now + a.heartbeatMs;
        // An attempt that finished inside launch needs no heartbeat: its outcome is already queued.
        if (!a.finishSignalled) outbox.add(events.heartbeat(id, now, a.running));
      } catch (IOException e) {
        attempts.remove(id);
        filesFailed(id, now, e);
      } catch (LaunchException e) {
        if (a.files != null) a.files.delete();
        attempts.remove(id);
        counters.launchFailures.incrementAndGet();
        log.info("executor {}: attempt {} could not start ({}): {}", name, id, e.kind(), e.getMessage());
        outbox.add(events.failed(id, now, e.kind(), null, e.getMessage(), null).build());
      } catch (RuntimeException e) {
        if (a.files != null) a.files.delete();
        attempts.remove(id);
        counters.launchFailures.incrementAndGet();
        log.error("executor {}: backend {} failed to launch attempt {}", name, backend.name(), id, e);
        outbox.add(events.failed(id, now, FailureKind.LAUNCH_ERROR, null,
            "backend " + backend.name() + " failed to launch: " + e, null).build());
      }
    }
  }

  /** Lets launches under way finish; their signals are applied by the shutdown's wait. */
  void shutdown() {
    threads.shutdown();
  }

  void shutdownNow() {
    threads.shutdownNow();
  }

  private Attempt newAttempt(CommandPlan.Launch p, long now) {
    return new Attempt(p.id(), p.heartbeatMs(), p.heartbeatTimeoutMs(),
        p.request().timeout() == null ? 0 : p.request().timeout().toMillis(), now, signals);
  }

  private AttemptRequest withFiles(Attempt a, AttemptRequest request) throws IOException {
    if (attemptFilesBase == null) return request;
    a.files = AttemptFiles.create(attemptFilesBase, a.id);
    return request.withFiles(a.files);
  }

  private void filesFailed(AttemptId id, long now, IOException e) {
    counters.launchFailures.incrementAndGet();
    log.warn("executor {}: attempt {}: cannot create its result and spawn files: {}", name, id, e.toString());
    outbox.add(events.failed(id, now, FailureKind.LAUNCH_ERROR, null,
        "cannot create the attempt's result and spawn files under " + attemptFilesBase + ": " + e, null).build());
  }

  /** On a launch thread: the backend's launch, and what the loop is to make of it. */
  private Signal launchOne(Attempt a, AttemptRequest request) {
    try {
      return new Signal.Launched(a, backend.launch(request, a));
    } catch (LaunchException e) {
      log.info("executor {}: attempt {} could not start ({}): {}", name, a.id, e.kind(), e.getMessage());
      return new Signal.LaunchFailed(a, e.kind(), e.getMessage());
    } catch (RuntimeException e) {
      log.error("executor {}: backend {} failed to launch attempt {}", name, backend.name(), a.id, e);
      return new Signal.LaunchFailed(a, FailureKind.LAUNCH_ERROR, "backend " + backend.name() + " failed to launch: " + e);
    }
  }
}
