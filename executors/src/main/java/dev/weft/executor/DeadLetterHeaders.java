package dev.weft.executor;

/** Headers of a record the executor runtime sent to the dead-letter topic (its value and key are the original bytes). */
public final class DeadLetterHeaders {
  /** Why the record could not be processed. */
  public static final String REASON = "weft.dlq.reason";
  public static final String SOURCE_TOPIC = "weft.dlq.source.topic";
  public static final String SOURCE_PARTITION = "weft.dlq.source.partition";
  public static final String SOURCE_OFFSET = "weft.dlq.source.offset";
  /** Who dead-lettered it: the executor instance id. */
  public static final String REPORTER = "weft.dlq.reporter";

  private DeadLetterHeaders() {}
}
