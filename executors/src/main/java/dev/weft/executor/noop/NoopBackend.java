package dev.weft.executor.noop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.spec.Durations;
import java.time.Duration;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code noop} executor: every attempt succeeds at once without running anything. A first-class executor for
 * dry runs of a pipeline's shape and for benchmarks of the orchestration itself, so it must be cheap: no thread and
 * no process per attempt; an attempt without {@code sleep} finishes inside {@link #launch}.
 *
 * <p>Optional block, for tests: {@code noop: {fail: true, exitCode: 3, sleep: 200ms, trackingUrl: URL}}: fail with
 * that exit code (default 1) and/or finish after that delay (one shared timer thread; such an attempt can be
 * cancelled), and report that tracking URL when it starts, as a Spark or Batch attempt reports its console.
 */
public final class NoopBackend implements ExecutorBackend {
  public static final String NAME = "noop";
  private static final Set<String> FIELDS = Set.of("fail", "exitCode", "sleep", "trackingUrl");

  private final AtomicLong launches = new AtomicLong();
  private volatile ScheduledExecutorService timer;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException {
    JsonNode block = request.task().noop();
    boolean fail = false;
    int exitCode = 0;
    Duration sleep = Duration.ZERO;
    if (block != null && !block.isNull()) {
      if (!block.isObject()) throw invalid(request, "the noop block must be an object like {fail: true, exitCode: 3, sleep: 200ms}");
      for (Iterator<String> it = block.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!FIELDS.contains(f)) throw invalid(request, "unknown field noop." + f + "; known: " + FIELDS);
      }
      fail = block.path("fail").asBoolean(false);
      exitCode = block.has("exitCode") ? block.get("exitCode").asInt() : (fail ? 1 : 0);
      if (block.hasNonNull("sleep")) {
        try {
          sleep = Durations.parse(block.get("sleep").asText());
        } catch (IllegalArgumentException e) {
          throw invalid(request, "noop.sleep: " + e.getMessage());
        }
      }
    }
    long n = launches.incrementAndGet();
    AttemptOutcome outcome = fail
        ? AttemptOutcome.failure(FailureKind.EXIT_CODE, exitCode, "exit code " + exitCode + " (noop: fail: true)", "")
        : AttemptOutcome.success(exitCode, "");
    NoopAttempt attempt = new NoopAttempt("noop-" + n, listener);
    String trackingUrl = block != null && block.hasNonNull("trackingUrl") ? block.get("trackingUrl").asText() : null;
    if (trackingUrl != null) listener.trackingUrl(trackingUrl);
    if (sleep.isZero() || sleep.isNegative()) {
      attempt.finish(outcome);
    } else {
      attempt.scheduled = timer().schedule(() -> attempt.finish(outcome), sleep.toMillis(), TimeUnit.MILLISECONDS);
    }
    return attempt;
  }

  @Override
  public boolean sideEffectFree() {
    return true;
  }

  /** How many attempts were launched; tests and benchmarks read it. */
  public long launches() {
    return launches.get();
  }

  @Override
  public void close() {
    ScheduledExecutorService t = timer;
    if (t != null) t.shutdownNow();
  }

  private ScheduledExecutorService timer() {
    ScheduledExecutorService t = timer;
    if (t == null) {
      synchronized (this) {
        if (timer == null) {
          timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread th = new Thread(r, "weft-noop-timer");
            th.setDaemon(true);
            return th;
          });
        }
        t = timer;
      }
    }
    return t;
  }

  private static LaunchException invalid(AttemptRequest request, String what) {
    return new LaunchException(FailureKind.INVALID_SPEC, "task '" + request.task().id() + "': " + what);
  }

  private static final class NoopAttempt implements RunningAttempt {
    private final String handle;
    private final AttemptListener listener;
    private final AtomicBoolean done = new AtomicBoolean();
    volatile ScheduledFuture<?> scheduled;

    NoopAttempt(String handle, AttemptListener listener) {
      this.handle = handle;
      this.listener = listener;
    }

    void finish(AttemptOutcome outcome) {
      // Exactly once, whichever of the timer and a cancel comes first.
      if (done.compareAndSet(false, true)) listener.finished(outcome);
    }

    @Override
    public String handle() {
      return handle;
    }

    @Override
    public void cancel(Duration grace, String reason) {
      ScheduledFuture<?> f = scheduled;
      if (f != null) f.cancel(false);
      finish(AttemptOutcome.failure(FailureKind.CANCELLED, null, "cancelled: " + reason, ""));
    }
  }
}
