package dev.weft.serde;

import org.apache.avro.Schema;

/**
 * What the serde needs from a schema registry. {@link SchemaRegistryClient} is the real one; {@link
 * InMemorySchemaRegistry} serves unit tests (e.g. {@code TopologyTestDriver}) that have no registry process.
 */
public interface SchemaLookup {
  /**
   * Registers {@code schema} under {@code subject} (or finds it already registered).
   *
   * @return the schema's id, the one written into the wire format
   */
  int register(String subject, Schema schema);

  /**
   * @return the schema registered with {@code id}
   * @throws org.apache.kafka.common.errors.SerializationException when no schema has that id
   */
  Schema getById(int id);
}
