package dev.weft.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: byte 0 is the magic byte {@code 0}, bytes 1-4 the schema id (big-endian), then the Avro
 * binary body. Kept byte-compatible so Confluent-compatible tools (kafka-avro-console-consumer, Kafka UI, ksqlDB) read
 * every Weft topic.
 */
public final class WireFormat {
  public static final byte MAGIC_BYTE = 0;
  /** Magic byte plus the 4-byte schema id. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** Where the Avro body starts and which schema wrote it. */
  public record Header(int schemaId, int bodyOffset) {}

  /** @return the magic byte, {@code schemaId} big-endian, then {@code avroBody} */
  public static byte[] encode(int schemaId, byte[] avroBody) {
    byte[] out = new byte[HEADER_SIZE + avroBody.length];
    writeHeader(out, schemaId);
    System.arraycopy(avroBody, 0, out, HEADER_SIZE, avroBody.length);
    return out;
  }

  /** Writes the 5-byte header into {@code out[0..4]}. */
  public static void writeHeader(byte[] out, int schemaId) {
    out[0] = MAGIC_BYTE;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
  }

  /**
   * Reads the header of a wire-format payload.
   *
   * @return the writer's schema id and the offset of the Avro body (always {@link #HEADER_SIZE})
   * @throws SerializationException when the payload is empty, shorter than the header, or does not start with the
   *     magic byte
   */
  public static Header parse(byte[] payload) {
    if (payload == null || payload.length == 0) {
      throw new SerializationException(
          "not Confluent wire format: the payload is empty; expected 0x00, a 4-byte schema id and an Avro body");
    }
    if (payload[0] != MAGIC_BYTE) {
      throw new SerializationException(String.format(
          "not Confluent wire format: first byte 0x%02x; expected 0x00 (magic byte) followed by a 4-byte schema id."
              + " The record was probably written by a producer that does not use the schema registry%s",
          payload[0] & 0xff, payload[0] == '{' ? " (it looks like JSON)" : ""));
    }
    if (payload.length < HEADER_SIZE) {
      throw new SerializationException("not Confluent wire format: the payload has " + payload.length
          + " bytes; the header alone needs " + HEADER_SIZE + " (0x00 and a 4-byte schema id)");
    }
    int id = ((payload[1] & 0xff) << 24) | ((payload[2] & 0xff) << 16) | ((payload[3] & 0xff) << 8)
        | (payload[4] & 0xff);
    return new Header(id, HEADER_SIZE);
  }
}
