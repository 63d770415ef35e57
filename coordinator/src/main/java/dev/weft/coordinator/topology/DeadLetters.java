package dev.weft.coordinator.topology;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Dead-letter records: the original key and bytes, with why and where from in headers. */
final class DeadLetters {
  static final String REASON = "weft.dlq.reason";
  static final String SOURCE_TOPIC = "weft.dlq.topic";
  static final String SOURCE_PARTITION = "weft.dlq.partition";
  static final String SOURCE_OFFSET = "weft.dlq.offset";
  /** Headers are not the place for a novel; keep the reason readable in any tool. */
  static final int MAX_REASON = 4096;

  private DeadLetters() {}

  static Record<byte[], byte[]> record(ProcessorContext<?, ?> ctx, byte[] key, byte[] value, String reason, long ts) {
    Headers h = new RecordHeaders();
    String r = reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "…" : reason;
    h.add(REASON, r.getBytes(StandardCharsets.UTF_8));
    ctx.recordMetadata().ifPresent((RecordMetadata m) -> {
      h.add(SOURCE_TOPIC, m.topic().getBytes(StandardCharsets.UTF_8));
      h.add(SOURCE_PARTITION, Integer.toString(m.partition()).getBytes(StandardCharsets.UTF_8));
      h.add(SOURCE_OFFSET, Long.toString(m.offset()).getBytes(StandardCharsets.UTF_8));
    });
    return new Record<>(key, value, ts, h);
  }
}
