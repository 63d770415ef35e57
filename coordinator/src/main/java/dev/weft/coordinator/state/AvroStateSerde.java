package dev.weft.coordinator.state;

import dev.weft.serde.AvroModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Plain Avro binary for the coordinator's own stores. Unlike the topics users read, changelogs are private to the
 * coordinator, so they carry no registry id; a schema change here is additive with defaults and a store written by
 * an older version is rebuilt by replay.
 */
public final class AvroStateSerde<T extends SpecificRecord> implements Serde<T> {
  private final SpecificDatumWriter<T> writer;
  private final SpecificDatumReader<T> reader;

  public AvroStateSerde(Class<T> type) {
    SpecificData data = AvroModels.of(type);
    Schema schema = data.getSchema(type);
    this.writer = new SpecificDatumWriter<>(schema, data);
    this.reader = new SpecificDatumReader<>(schema, schema, data);
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) return null;
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
      try {
        synchronized (writer) {
          writer.write(value, enc);
        }
        enc.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) return null;
      BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, null);
      try {
        synchronized (reader) {
          return reader.read(null, dec);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
