package dev.weft.executor;

import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An attempt running on this instance, launched or adopted, from its STARTED until its outcome is queued. It is the
 * backend's {@link AttemptListener}: those calls come on backend threads and only put {@link Signal}s on the queue.
 * The other fields are the loop's, except the few the watchdog and launch threads touch (volatile, or under the
 * attempt's lock).
 */
final class Attempt implements AttemptListener {
  private static final Logger log = LoggerFactory.getLogger(Attempt.class);

  final AttemptId id;
  final long heartbeatMs;
  final long heartbeatTimeoutMs;
  final long timeoutMs;
  /** When the local timeout fires; 0 for none. */
  final long deadline;
  private final Signals signals;
  volatile RunningAttempt running;
  volatile boolean finishSignalled;
  /** Its result and spawn files; null when the backend takes none. */
  volatile AttemptFiles files;
  long nextHeartbeatAt;
  String cancelReason;
  boolean timedOut;
  boolean shutdown;
  /** How long it had been silent when its lease ran out and it was stopped; 0 while it holds its lease. */
  volatile long fencedAfterMs;
  /**
   * False while a launch thread runs the backend's launch. An outcome the backend reports meanwhile (work that ends
   * at once) is held back until the launch has returned, so that the loop sees Launched (with the handle) first.
   */
  private boolean launchReturned = true;
  private Signal.Finished heldBackOutcome;

  Attempt(AttemptId id, long heartbeatMs, long heartbeatTimeoutMs, long timeoutMs, long now, Signals signals) {
    this.id = id;
    this.heartbeatMs = heartbeatMs;
    this.heartbeatTimeoutMs = heartbeatTimeoutMs;
    this.timeoutMs = timeoutMs;
    this.deadline = timeoutMs > 0 ? now + timeoutMs : 0;
    this.signals = signals;
  }

  String timeoutText() {
    return Duration.ofMillis(timeoutMs).toString().substring(2).toLowerCase(Locale.ROOT);
  }

  /** Whether something has stopped it or is stopping it: a fence, its timeout, a shutdown or a CANCEL. */
  boolean stopped() {
    return fencedAfterMs > 0 || timedOut || shutdown || cancelReason != null;
  }

  /** Before its launch is handed to a launch thread: outcomes are held back from now until {@link #launchReturned}. */
  synchronized void launching() {
    launchReturned = false;
  }

  @Override
  public void trackingUrl(String url) {
    if (url != null) signals.add(new Signal.Tracking(this, url));
  }

  @Override
  public void finished(AttemptOutcome outcome) {
    if (finishSignalled) {
      log.warn("executor {}: backend {} reported attempt {} finished twice; ignoring {}", signals.executor(),
          signals.backend(), id, outcome);
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
