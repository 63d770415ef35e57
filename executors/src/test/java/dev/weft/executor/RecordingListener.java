package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A listener that records what a backend reports, and fails a test that waits too long for the outcome. */
public final class RecordingListener implements AttemptListener {
  public final List<String> trackingUrls = new CopyOnWriteArrayList<>();
  public final AtomicInteger finishedCalls = new AtomicInteger();
  private final CompletableFuture<AttemptOutcome> outcome = new CompletableFuture<>();

  @Override
  public void trackingUrl(String url) {
    trackingUrls.add(url);
  }

  @Override
  public void finished(AttemptOutcome o) {
    finishedCalls.incrementAndGet();
    outcome.complete(o);
  }

  public AttemptOutcome await(Duration timeout) throws Exception {
    try {
      return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the backend reported no outcome within " + timeout, e);
    }
  }

  public boolean isFinished() {
    return outcome.isDone();
  }

  public void assertFinishedOnce() {
    assertThat(finishedCalls.get()).as("calls of finished()").isEqualTo(1);
  }
}
