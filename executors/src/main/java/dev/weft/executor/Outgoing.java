package dev.weft.executor;

import dev.weft.avro.TaskEvent;
import dev.weft.executor.backend.AttemptId;
import dev.weft.topics.DeadLetterReason;
import org.apache.kafka.common.header.Headers;

/**
 * One record for a transaction: a task event (serialised when the transaction is sent, so a schema registry that is
 * down fails before the transaction opens) or a command record copied to dead-letter as raw bytes.
 *
 * @param category why a dead-letter record is one, for the dead-letter metric; null for an event
 */
record Outgoing(String topic, byte[] key, byte[] value, Headers headers, TaskEvent event, DeadLetterReason category) {
  static Outgoing event(TaskEvent e) {
    return new Outgoing(null, null, null, null, e, null);
  }

  static Outgoing deadLetter(String topic, byte[] key, byte[] value, Headers headers, DeadLetterReason category) {
    return new Outgoing(topic, key, value, headers, null, category);
  }

  boolean isEvent() {
    return event != null;
  }

  /** The attempt an event is about; null for a dead-letter record. */
  AttemptId attemptId() {
    return event == null ? null : new AttemptId(event.getRunId(), event.getTaskId(), event.getAttempt());
  }
}
