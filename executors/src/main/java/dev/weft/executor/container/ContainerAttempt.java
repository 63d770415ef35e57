package dev.weft.executor.container;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one watcher of one container, for launched and adopted attempts alike: it polls the engine's inspect until
 * the container is no longer running, then reads the log tail, removes (or sets aside) the container and reports
 * the outcome exactly once.
 *
 * <p>Why polling and not the blocking wait API: a wait holds an HTTP connection open per container for its whole
 * life, and closing the backend (an executor shutting down, containers left running for the next one to adopt)
 * would have to tear those connections down mid-read. A poll is a short request that simply stops being
 * scheduled. Exit is noticed within one poll interval.
 */
final class ContainerAttempt implements RunningAttempt {
  private static final Logger LOG = LoggerFactory.getLogger(ContainerAttempt.class);
  /** An engine that stops answering for this long is presumed gone, and the container with it. */
  private static final Duration ENGINE_GONE_AFTER = Duration.ofMinutes(2);
  private static final int REASON_MAX = 500;

  private final ContainerBackend backend;
  private final AttemptId id;
  private final String containerId;
  private final String containerName;
  private final boolean keep;
  private final AttemptListener listener;
  private final AtomicBoolean done = new AtomicBoolean();

  private final Object stopLock = new Object();
  private FailureKind stopKind;
  private String stopReason;
  private ScheduledFuture<?> killTimer;
  private volatile ScheduledFuture<?> pollTask;
  private volatile ScheduledFuture<?> timeoutTask;
  private long engineFailingSinceNanos = -1;

  ContainerAttempt(ContainerBackend backend, AttemptId id, String containerId, String containerName, boolean keep,
      AttemptListener listener) {
    this.backend = backend;
    this.id = id;
    this.containerId = containerId;
    this.containerName = containerName;
    this.keep = keep;
    this.listener = listener;
  }

  AttemptId id() {
    return id;
  }

  /** Starts watching; the first look is immediate, so a container that already exited is reported at once. */
  void watch(Duration timeout) {
    pollTask = backend.scheduler().scheduleWithFixedDelay(
        this::poll, 0, backend.settings().pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
      timeoutTask = backend.scheduler().schedule(
          () -> stop(FailureKind.TIMED_OUT, "timed out after " + timeout + "; raise timeout or make the task faster",
              backend.settings().timeoutGrace()),
          timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  public String handle() {
    return containerId;
  }

  @Override
  public void cancel(Duration grace, String reason) {
    stop(FailureKind.CANCELLED, reason == null ? "cancelled" : reason, grace == null ? Duration.ZERO : grace);
  }

  @Override
  public String logTail() {
    if (done.get()) return "";
    try {
      return backend.readLogs(containerId).text();
    } catch (RuntimeException e) {
      LOG.debug("log tail of {} ({}) not readable: {}", id, containerId, e.toString());
      return "";
    }
  }

  /**
   * SIGTERM now, SIGKILL after the grace. Signals are sent from the backend's threads rather than with the
   * engine's blocking stop call, so a long grace never holds the caller or an HTTP read open.
   */
  void stop(FailureKind kind, String reason, Duration grace) {
    if (done.get()) return;
    synchronized (stopLock) {
      if (stopKind != null) return;
      stopKind = kind;
      stopReason = reason;
    }
    LOG.info("stopping {} ({}): {} (grace {})", id, containerId, reason, grace);
    backend.scheduler().execute(() -> {
      backend.signal(containerId, "SIGTERM");
      poll();
    });
    synchronized (stopLock) {
      killTimer = backend.scheduler().schedule(() -> {
        backend.signal(containerId, "SIGKILL");
        poll();
      }, grace.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void poll() {
    if (done.get() || backend.isClosed()) return;
    InspectContainerResponse inspect;
    try {
      inspect = backend.docker().inspectContainerCmd(containerId).exec();
      engineFailingSinceNanos = -1;
    } catch (NotFoundException e) {
      finish(null);
      return;
    } catch (RuntimeException e) {
      if (backend.isClosed()) return;
      long now = System.nanoTime();
      if (engineFailingSinceNanos < 0) engineFailingSinceNanos = now;
      LOG.warn("inspecting container {} of {} failed, will retry: {}", containerId, id, e.toString());
      if (now - engineFailingSinceNanos > ENGINE_GONE_AFTER.toNanos()) {
        report(AttemptOutcome.failure(FailureKind.LOST, null,
            "the Docker engine has not answered for " + ENGINE_GONE_AFTER.toMinutes()
                + " min while watching container " + containerName + "; the container is presumed lost", ""));
      }
      return;
    }
    InspectContainerResponse.ContainerState state = inspect.getState();
    String status = state == null ? null : state.getStatus();
    if (status == null || "running".equals(status) || "created".equals(status) || "restarting".equals(status)
        || "paused".equals(status) || "removing".equals(status)) {
      return;
    }
    finish(inspect);
  }

  /** The container ended (inspect given) or vanished (null). Only the first caller gets past the flag. */
  private void finish(InspectContainerResponse inspect) {
    if (!done.compareAndSet(false, true)) return;
    cancelTimers();
    ContainerBackend.LogTail tail = ContainerBackend.LogTail.EMPTY;
    AttemptOutcome outcome;
    if (inspect == null) {
      outcome = AttemptOutcome.failure(FailureKind.LOST, null,
          "container " + containerName + " disappeared before its exit was seen (removed outside weft)", "");
    } else {
      try {
        tail = backend.readLogs(containerId);
      } catch (RuntimeException e) {
        LOG.warn("log tail of {} ({}) not readable: {}", id, containerId, e.toString());
      }
      outcome = outcomeOf(inspect, tail);
      backend.dispose(containerId, containerName, keep);
    }
    deliver(outcome);
  }

  /** Reports without a container to read (the engine is gone). */
  private void report(AttemptOutcome outcome) {
    if (!done.compareAndSet(false, true)) return;
    cancelTimers();
    deliver(outcome);
  }

  private void deliver(AttemptOutcome outcome) {
    backend.forget(this);
    if (backend.isClosed()) return;
    LOG.info("{} ({}) finished: {}", id, containerId,
        outcome.succeeded() ? "succeeded" : outcome.failureKind() + " " + outcome.reason());
    try {
      listener.finished(outcome);
    } catch (RuntimeException e) {
      LOG.error("listener of {} failed on its outcome", id, e);
    }
  }

  private AttemptOutcome outcomeOf(InspectContainerResponse inspect, ContainerBackend.LogTail tail) {
    InspectContainerResponse.ContainerState state = inspect.getState();
    Long exitLong = state.getExitCodeLong();
    Integer exit = exitLong == null ? null : exitLong.intValue();
    FailureKind kind;
    String reason;
    synchronized (stopLock) {
      kind = stopKind;
      reason = stopReason;
    }
    if (kind != null) {
      return AttemptOutcome.failure(kind, exit, oneLine(reason), tail.text());
    }
    if (exit != null && exit == 0) {
      return AttemptOutcome.success(0, tail.text());
    }
    if (Boolean.TRUE.equals(state.getOOMKilled())) {
      Long limit = inspect.getHostConfig() == null ? null : inspect.getHostConfig().getMemory();
      String limitText = limit == null || limit <= 0 ? "the host's memory" : "limit " + formatBytes(limit);
      return AttemptOutcome.failure(FailureKind.OOM_KILLED, exit,
          "killed: out of memory (" + limitText + "); raise resources.memory", tail.text());
    }
    StringBuilder why = new StringBuilder("exited with code ").append(exit);
    if (exit != null && exit > 128 && exit < 160) why.append(" (signal ").append(exit - 128).append(')');
    if (state.getError() != null && !state.getError().isBlank()) {
      why.append(": ").append(state.getError());
    } else if (!tail.lastLine().isEmpty()) {
      why.append(": ").append(tail.lastLine());
    }
    return AttemptOutcome.failure(FailureKind.EXIT_CODE, exit, oneLine(why.toString()), tail.text());
  }

  private void cancelTimers() {
    ScheduledFuture<?> p = pollTask;
    if (p != null) p.cancel(false);
    ScheduledFuture<?> t = timeoutTask;
    if (t != null) t.cancel(false);
    synchronized (stopLock) {
      if (killTimer != null) killTimer.cancel(false);
    }
  }

  static String formatBytes(long bytes) {
    if (bytes % (1L << 30) == 0) return (bytes >> 30) + "Gi";
    if (bytes % (1L << 20) == 0) return (bytes >> 20) + "Mi";
    if (bytes % (1L << 10) == 0) return (bytes >> 10) + "Ki";
    return bytes + " bytes";
  }

  private static String oneLine(String text) {
    String line = text.replaceAll("[\\r\\n]+", " ").strip();
    return line.length() <= REASON_MAX ? line : line.substring(0, REASON_MAX - 3) + "...";
  }
}
