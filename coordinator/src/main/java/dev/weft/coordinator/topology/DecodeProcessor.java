package dev.weft.coordinator.topology;

import dev.weft.serde.SchemaRegistryException;
import dev.weft.topics.DeadLetterReason;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes one input topic. Sources read raw bytes so that a record that does not decode (garbage, a wrong schema,
 * a key that does not name its run) is sent to dead-letter with the reason instead of stopping the application,
 * which is what a failing Serde in the source would do.
 */
final class DecodeProcessor<T extends SpecificRecord> implements Processor<byte[], byte[], Object, Object> {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeProcessor.class);
  private final Deserializer<T> deserializer;
  private final Function<T, String> runIdOf;
  private final FoldStats stats;
  private ProcessorContext<Object, Object> ctx;

  DecodeProcessor(Deserializer<T> deserializer, Function<T, String> runIdOf, FoldStats stats) {
    this.deserializer = deserializer;
    this.runIdOf = runIdOf;
    this.stats = stats;
  }

  @Override
  public void init(ProcessorContext<Object, Object> context) {
    this.ctx = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String topic = ctx.recordMetadata().map(m -> m.topic()).orElse("?");
    T value;
    try {
      if (record.value() == null) throw new IllegalArgumentException("the record has no value");
      value = deserializer.deserialize(topic, record.headers(), record.value());
    } catch (SchemaRegistryException e) {
      // The registry is unreachable: the record may be fine. Fail the task so Streams retries it, rather than
      // dead-lettering good records for as long as the outage lasts.
      throw e;
    } catch (RuntimeException e) {
      deadLetter(record, DeadLetterReason.UNDECODABLE, "cannot decode a record of " + topic + ": " + e.getMessage());
      return;
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    String runId = runIdOf.apply(value);
    if (!runId.equals(key)) {
      deadLetter(record, DeadLetterReason.MIS_KEYED, "the record's key " + (key == null ? "is missing" : "'" + key + "'") + " but its runId is '"
          + runId + "'; key every record of " + topic + " by its runId so a run stays in one partition");
      return;
    }
    ctx.forward(new Record<>(key, new Input(value, record.value()), record.timestamp(), record.headers()),
        CoordinatorTopology.FOLD);
  }

  private void deadLetter(Record<byte[], byte[]> record, DeadLetterReason category, String reason) {
    stats.deadLettered.incrementAndGet();
    stats.metrics.deadLettered(category);
    LOG.warn("dead-lettering input: {}", reason);
    ctx.forward(DeadLetters.record(ctx, record.key(), record.value(), reason, record.timestamp()),
        CoordinatorTopology.DEAD_LETTER_SINK);
  }
}
