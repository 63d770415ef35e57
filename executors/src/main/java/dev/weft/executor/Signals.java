package dev.weft.executor;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The queue from backend and launch threads to the poll loop. Backends never touch Kafka: they put a {@link Signal}
 * here and the loop sends the event in its next transaction. It also names its executor and backend, for the logs
 * of the attempts that write to it.
 */
final class Signals {
  private final LinkedBlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
  private final String executor;
  private final String backend;
  private volatile Runnable waker = () -> {};

  Signals(String executor, String backend) {
    this.executor = executor;
    this.backend = backend;
  }

  /** What {@link #add} runs after queueing a signal that is {@link Signal#awaited() awaited}: the loop's wake-up. */
  void wakeWith(Runnable waker) {
    this.waker = waker;
  }

  void add(Signal s) {
    queue.add(s);
    if (s.awaited()) waker.run();
  }

  /** The next signal, or null when there is none. */
  Signal poll() {
    return queue.poll();
  }

  /** The next signal, waiting up to {@code ms}; null when none came. */
  Signal poll(long ms) throws InterruptedException {
    return queue.poll(ms, TimeUnit.MILLISECONDS);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** The executor's transactional id, for logs. */
  String executor() {
    return executor;
  }

  String backend() {
    return backend;
  }
}
