package dev.weft.executor.backend;

/**
 * What a backend tells the runtime while an attempt runs. Called from backend threads; the runtime turns each
 * call into a task event. {@link #finished} is called exactly once per launched or adopted attempt.
 */
public interface AttemptListener {
  /** A URL where a person can watch the work (Spark UI, YARN, Batch console). */
  void trackingUrl(String url);

  /** The attempt ended, by itself, by cancel or by timeout. */
  void finished(AttemptOutcome outcome);
}
