package dev.weft.serde;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the Confluent wire format into a generated Avro class. The writer's schema comes from the registry by the id in
 * the header and is resolved against this class's schema, so a reader built from a newer (or older) compatible
 * contract reads old (or new) records: added fields take their defaults, removed ones are skipped.
 *
 * <p>Hot path: one {@link DatumReader} per writer schema id, built on first sight; each thread reuses its decoder.
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
  private final SchemaLookup registry;
  private final SpecificData data;
  private final Schema readerSchema;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
  private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

  public ConfluentAvroDeserializer(SchemaLookup registry, Class<T> type) {
    this.registry = registry;
    this.data = AvroModels.of(type);
    this.readerSchema = data.getSchema(type);
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  /**
   * @return null for null, else the decoded record
   * @throws SerializationException when the bytes are not the wire format, name an unknown schema id, or do not decode
   *     with the writer's schema: the record itself is bad
   * @throws SchemaRegistryException when the registry cannot be asked: the record may be fine, so do not drop it
   */
  @Override
  public T deserialize(String topic, byte[] payload) {
    if (payload == null) return null;
    WireFormat.Header header;
    try {
      header = WireFormat.parse(payload);
    } catch (SerializationException e) {
      throw new SerializationException("topic '" + topic + "': " + e.getMessage(), e);
    }
    int id = header.schemaId();
    DatumReader<T> reader = readers.get(id);
    if (reader == null) {
      Schema writerSchema;
      try {
        writerSchema = registry.getById(id);
      } catch (SerializationException e) {
        throw new SerializationException("topic '" + topic + "': " + e.getMessage(), e);
      }
      reader = new SpecificDatumReader<>(writerSchema, readerSchema, data);
      readers.putIfAbsent(id, reader);
    }
    try {
      BinaryDecoder decoder = DecoderFactory.get()
          .binaryDecoder(payload, header.bodyOffset(), payload.length - header.bodyOffset(), decoders.get());
      decoders.set(decoder);
      return reader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("topic '" + topic + "': could not read a " + readerSchema.getFullName()
          + " written with schema id " + id + " (" + payload.length + " bytes): " + e, e);
    }
  }
}
