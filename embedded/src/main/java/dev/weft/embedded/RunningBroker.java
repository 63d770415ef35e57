package dev.weft.embedded;

/**
 * A started KRaft broker as {@link EmbeddedKafka} drives it, wherever it runs: {@link ChildBroker} in a JVM of its
 * own, {@link InProcessBroker} in this one.
 */
interface RunningBroker {
  /** False once it stopped, was killed, or (a child) exited by itself. */
  boolean isAlive();

  /** A clean stop: controlled shutdown, logs flushed; forced after {@code graceMs}. */
  void stop(long graceMs);

  /** The quickest stop, keeping nothing consistent on disk: for a crash test, or for data about to be deleted. */
  void kill();

  /** What to show when the broker failed: the end of its log, or why it stopped. */
  String diagnostics(int lines);
}
