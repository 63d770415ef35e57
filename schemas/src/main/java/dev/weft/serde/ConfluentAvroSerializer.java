package dev.weft.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro record in the Confluent wire format, registering its schema under {@code <topic>-value}
 * ({@code <topic>-key} when configured as a key serializer) — Confluent's default TopicNameStrategy.
 *
 * <p>Hot path: the schema id is looked up once per topic, the {@link DatumWriter} is built once, and each thread
 * reuses its own buffer and encoder ({@link AvroBytes}), so a record costs one Avro write and one array copy.
 */
public final class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {
  private final SchemaLookup registry;
  private final Schema schema;
  private final DatumWriter<T> writer;
  private final Map<String, Integer> idByTopic = new ConcurrentHashMap<>();
  private volatile String subjectSuffix = "-value";

  public ConfluentAvroSerializer(SchemaLookup registry, Class<T> type) {
    this.registry = registry;
    SpecificData data = AvroModels.of(type);
    this.schema = data.getSchema(type);
    this.writer = new SpecificDatumWriter<>(schema, data);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    subjectSuffix = isKey ? "-key" : "-value";
  }

  /**
   * @return null for null, else the wire-format bytes
   * @throws SerializationException when Avro cannot write the record (e.g. a required field is null)
   * @throws SchemaRegistryException when the schema cannot be registered
   */
  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) return null;
    int id = idByTopic.computeIfAbsent(topic, t -> registry.register(t + subjectSuffix, schema));
    byte[] out;
    try {
      out = AvroBytes.encode(HEADER_PLACEHOLDER, writer, data);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("could not write " + schema.getFullName() + " for topic '" + topic
          + "' with schema id " + id + ": " + e.getMessage(), e);
    }
    WireFormat.writeHeader(out, id);
    return out;
  }

  private static final byte[] HEADER_PLACEHOLDER = new byte[WireFormat.HEADER_SIZE];
}
