package dev.weft.coordinator.state;

import dev.weft.serde.AvroBytes;
import dev.weft.serde.AvroModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro binary for the coordinator's own stores, each value marked with the version of the schema that wrote it.
 * Changelogs are private to the coordinator, so they carry no registry id; the version numbers the schemas kept in
 * {@link StateSchemas}, and a reader resolves whichever version wrote a value against the current class.
 *
 * <p>Format: byte {@link #VERSIONED}, one byte of schema version, then the Avro body. Values written before versions
 * existed (up to commit 658a38f, 2026-12-01) have no mark and are version 1: their first byte is the zig-zag length
 * of a string field, always even, so the odd {@link #VERSIONED} byte cannot be mistaken for one.
 */
public final class AvroStateSerde<T extends SpecificRecord> implements Serde<T> {
  static final byte VERSIONED = 1;
  private final Class<T> type;
  private final int version;
  private final SpecificDatumWriter<T> writer;
  /** What precedes each value written: {@link #VERSIONED} and {@link #version}. */
  private final byte[] mark;
  /** One reader per released version, index = version - 1. */
  private final List<SpecificDatumReader<T>> readers;

  public AvroStateSerde(Class<T> type) {
    this.type = type;
    SpecificData data = AvroModels.of(type);
    Schema current = data.getSchema(type);
    List<Schema> versions = StateSchemas.versions(type, current);
    this.version = versions.size();
    this.mark = new byte[] {VERSIONED, (byte) version};
    this.writer = new SpecificDatumWriter<>(current, data);
    this.readers = versions.stream().map(written -> new SpecificDatumReader<T>(written, current, data)).toList();
  }

  /** The version this serde writes. */
  public int version() {
    return version;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, value) -> {
      if (value == null) return null;
      try {
        return AvroBytes.encode(mark, writer, value);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> {
      if (bytes == null) return null;
      boolean marked = bytes.length > 1 && bytes[0] == VERSIONED;
      int written = marked ? bytes[1] & 0xff : 1;
      int offset = marked ? 2 : 0;
      if (written < 1 || written > readers.size()) {
        throw new SerializationException("a stored " + type.getSimpleName() + " has schema version " + written
            + " but this Weft knows versions 1 to " + readers.size() + ": it was written by a newer Weft; run that "
            + "version, or rebuild the state with `weft replay`");
      }
      SpecificDatumReader<T> reader = readers.get(written - 1);
      BinaryDecoder dec = DecoderFactory.get().binaryDecoder(bytes, offset, bytes.length - offset, null);
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
