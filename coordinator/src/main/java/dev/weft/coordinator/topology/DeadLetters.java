package dev.weft.coordinator.topology;

import dev.weft.topics.DeadLetterHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Dead-letter records of the coordinator: the original key and bytes, with the headers of {@link DeadLetterHeaders}. */
final class DeadLetters {
  static final String REPORTER = "coordinator";

  private DeadLetters() {}

  static Record<byte[], byte[]> record(ProcessorContext<?, ?> ctx, byte[] key, byte[] value, String reason, long ts) {
    RecordMetadata m = ctx.recordMetadata().orElse(null);
    return new Record<>(key, value, ts, DeadLetterHeaders.of(null, reason, m == null ? null : m.topic(),
        m == null ? -1 : m.partition(), m == null ? -1 : m.offset(), REPORTER));
  }
}
