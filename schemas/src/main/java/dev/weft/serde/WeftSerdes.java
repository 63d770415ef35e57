package dev.weft.serde;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import org.apache.kafka.common.serialization.Serde;

/**
 * The serdes of Weft's topic values, all sharing one registry client (and so one cache of schema ids). Each method
 * returns the same serde instance every time, so the per-topic and per-schema caches are shared too.
 */
public final class WeftSerdes {
  private final SchemaLookup registry;
  private final ConfluentAvroSerde<RunRequest> runRequest;
  private final ConfluentAvroSerde<TaskCommand> taskCommand;
  private final ConfluentAvroSerde<TaskEvent> taskEvent;
  private final ConfluentAvroSerde<RunEvent> runEvent;

  /** @param registryUrl a Confluent-compatible registry API, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7} */
  public WeftSerdes(String registryUrl) {
    this(new SchemaRegistryClient(registryUrl));
  }

  public WeftSerdes(SchemaLookup registry) {
    this.registry = registry;
    this.runRequest = new ConfluentAvroSerde<>(registry, RunRequest.class);
    this.taskCommand = new ConfluentAvroSerde<>(registry, TaskCommand.class);
    this.taskEvent = new ConfluentAvroSerde<>(registry, TaskEvent.class);
    this.runEvent = new ConfluentAvroSerde<>(registry, RunEvent.class);
  }

  /** Serdes backed by an {@link InMemorySchemaRegistry}: for unit tests only (ids do not outlive the JVM). */
  public static WeftSerdes inMemory() {
    return new WeftSerdes(new InMemorySchemaRegistry());
  }

  public SchemaLookup registry() {
    return registry;
  }

  public Serde<RunRequest> runRequest() {
    return runRequest;
  }

  public Serde<TaskCommand> taskCommand() {
    return taskCommand;
  }

  public Serde<TaskEvent> taskEvent() {
    return taskEvent;
  }

  public Serde<RunEvent> runEvent() {
    return runEvent;
  }
}
