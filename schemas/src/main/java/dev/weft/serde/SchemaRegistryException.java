package dev.weft.serde;

import org.apache.kafka.common.KafkaException;

/**
 * The schema registry could not be reached or answered with an error. Deliberately not a {@link
 * org.apache.kafka.common.errors.SerializationException}: a registry outage says nothing about the record, so a
 * deserialization handler must not drop the record as poison because of it — it should fail and retry later.
 */
public class SchemaRegistryException extends KafkaException {
  public SchemaRegistryException(String message) {
    super(message);
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
