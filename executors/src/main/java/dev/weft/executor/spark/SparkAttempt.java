package dev.weft.executor.spark;

import dev.weft.avro.FailureKind;
import dev.weft.executor.Texts;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.RunningAttempt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running spark-submit process: two reader threads scan its output, a waiter thread turns its exit into the
 * outcome and calls {@code listener.finished} exactly once.
 */
final class SparkAttempt implements RunningAttempt {
  private static final Logger LOG = LoggerFactory.getLogger(SparkAttempt.class);
  private static final int TAIL_BYTES = Texts.MAX_LOG_TAIL_BYTES;
  /** After the process exits, how long readers may still drain pipes a leftover grandchild could hold open. */
  private static final Duration DRAIN = Duration.ofSeconds(5);

  private final AttemptId id;
  private final Process process;
  private final AttemptListener listener;
  private final Path paramsFile;
  private final ScheduledExecutorService scheduler;
  private final Consumer<SparkAttempt> onFinished;
  private final LineTail stdout = new LineTail(TAIL_BYTES);
  private final LineTail stderr = new LineTail(TAIL_BYTES);
  private final Set<String> reportedUrls = ConcurrentHashMap.newKeySet();
  /** One per stream, each used by its reader thread only: the UI's two lines come in order on one stream. */
  private final TrackingUrlScanner stderrScanner = new TrackingUrlScanner();
  private final TrackingUrlScanner stdoutScanner = new TrackingUrlScanner();
  private final CountDownLatch finished = new CountDownLatch(1);
  /** Why Weft stopped the process (CANCELLED, TIMED_OUT, LOST), first one wins; null when it ended by itself. */
  private final AtomicReference<Stop> stop = new AtomicReference<>();
  private volatile String applicationId;
  private volatile TrackingUrlScanner.Failure failure;
  private volatile ScheduledFuture<?> timeout;
  private final List<Thread> readers = new ArrayList<>();

  private record Stop(FailureKind kind, String reason) {}

  SparkAttempt(AttemptId id, Process process, AttemptListener listener, Path paramsFile,
      ScheduledExecutorService scheduler, Consumer<SparkAttempt> onFinished) {
    this.id = id;
    this.process = process;
    this.listener = listener;
    this.paramsFile = paramsFile;
    this.scheduler = scheduler;
    this.onFinished = onFinished;
  }

  void start() {
    readers.add(reader(process.getInputStream(), stdout, stdoutScanner, "out"));
    readers.add(reader(process.getErrorStream(), stderr, stderrScanner, "err"));
    readers.forEach(Thread::start);
    Thread waiter = new Thread(this::awaitExit, "spark-wait-" + id);
    waiter.setDaemon(true);
    waiter.start();
  }

  /** pid, and the Spark application id once the output has named it: {@code pid 123 / local-1795430007223}. */
  @Override
  public String handle() {
    String app = applicationId;
    return "pid " + process.pid() + (app == null ? "" : " / " + app);
  }

  /**
   * Stops the process tree; {@code finished} follows with CANCELLED and "cancelled: reason". (The backend's own
   * timeout, from {@code AttemptRequest.timeout}, reports TIMED_OUT instead.) Returns at once.
   */
  @Override
  public void cancel(Duration grace, String reason) {
    stop(FailureKind.CANCELLED, "cancelled: " + (reason == null || reason.isBlank() ? "by request" : reason), grace);
  }

  @Override
  public String logTail() {
    String out = stdout.text();
    String err = stderr.text();
    String text = out.isEmpty() ? err : "[stdout]\n" + out + "[stderr]\n" + err;
    return Texts.tail(text, TAIL_BYTES);
  }

  long pid() {
    return process.pid();
  }

  void stopAfter(Duration timeout, Duration grace) {
    this.timeout = scheduler.schedule(
        () -> stop(FailureKind.TIMED_OUT, "timed out after " + timeout + "; raise the task's timeout if the job "
            + "needs longer", grace),
        timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops the process tree for {@code kind}; returns at once, {@code finished} follows. */
  void stop(FailureKind kind, String reason, Duration grace) {
    if (!process.isAlive() || !stop.compareAndSet(null, new Stop(kind, reason))) return;
    LOG.info("{}: stopping spark-submit {} ({})", id, handle(), reason);
    // List the tree before signalling: once a parent dies its children are re-parented and no longer listed.
    List<ProcessHandle> tree = tree(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    CompletableFuture<?>[] exits = tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(exits)
        .orTimeout(grace.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete((ok, timedOut) -> {
          if (timedOut == null) return;
          List<ProcessHandle> all = new ArrayList<>(tree);
          for (ProcessHandle h : tree) if (h.isAlive()) h.descendants().forEach(all::add);
          for (ProcessHandle h : all) {
            if (h.isAlive()) {
              LOG.warn("{}: pid {} still alive {} after SIGTERM, killing it", id, h.pid(), grace);
              h.destroyForcibly();
            }
          }
        });
  }

  void awaitFinished(Duration max) {
    try {
      finished.await(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<ProcessHandle> tree(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    return tree;
  }

  private Thread reader(InputStream in, LineTail tail, TrackingUrlScanner scanner, String stream) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          tail.add(line);
          scan(scanner, line);
        }
      } catch (IOException e) {
        // The pipe closes under us when the process is killed; what was read is kept.
        LOG.debug("{}: std{} closed: {}", id, stream, e.getMessage());
      }
    }, "spark-" + stream + "-" + id);
    t.setDaemon(true);
    return t;
  }

  private void scan(TrackingUrlScanner scanner, String line) {
    scanner.trackingUrl(line).ifPresent(url -> {
      if (reportedUrls.add(url)) {
        try {
          listener.trackingUrl(url);
        } catch (RuntimeException e) {
          LOG.warn("{}: listener failed on tracking URL {}", id, url, e);
        }
      }
    });
    if (applicationId == null) TrackingUrlScanner.applicationId(line).ifPresent(app -> applicationId = app);
    TrackingUrlScanner.failure(line).ifPresent(this::noteFailure);
  }

  /** Keeps the first fatal exception line, else the first exception line; both readers call it. */
  private synchronized void noteFailure(TrackingUrlScanner.Failure f) {
    TrackingUrlScanner.Failure seen = failure;
    if (seen == null || (f.fatal() && !seen.fatal())) failure = f;
  }

  private void awaitExit() {
    int code;
    try {
      code = process.waitFor();
      for (Thread r : readers) r.join(DRAIN.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    ScheduledFuture<?> t = timeout;
    if (t != null) t.cancel(false);
    SparkBackend.deleteQuietly(paramsFile);
    AttemptOutcome outcome = outcome(code);
    LOG.info("{}: spark-submit {} exited with code {}", id, handle(), code);
    onFinished.accept(this);
    try {
      listener.finished(outcome);
    } catch (RuntimeException e) {
      LOG.error("{}: listener failed on the outcome {}", id, outcome, e);
    } finally {
      finished.countDown();
    }
  }

  private AttemptOutcome outcome(int code) {
    String tail = logTail();
    Stop s = stop.get();
    if (s != null) return AttemptOutcome.failure(s.kind(), code, Texts.head(s.reason(), Texts.MAX_REASON_BYTES), tail);
    if (code == 0) return AttemptOutcome.success(0, tail);
    TrackingUrlScanner.Failure f = failure;
    String reason = "spark-submit exited with code " + code
        + (f != null ? ": " + f.text() : "; no exception line in its output, see the log tail");
    return AttemptOutcome.failure(FailureKind.EXIT_CODE, code, Texts.head(reason, Texts.MAX_REASON_BYTES), tail);
  }
}
