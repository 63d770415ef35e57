package dev.weft.serde;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A registry inside the JVM: for unit tests with no registry process (TopologyTestDriver, pure serde tests), and for
 * {@code weft run}'s throwaway stack, whose every client is in its JVM and whose broker data is deleted with it. Ids
 * are given out from 1 in registration order; the same schema gets the same id under any subject, as in Confluent's
 * registry. Nothing that outlives the JVM may use it: ids vanish with it, so records written with them cannot be read
 * later.
 */
public final class InMemorySchemaRegistry implements SchemaLookup {
  private final List<Schema> byId = new ArrayList<>();
  private final Map<Schema, Integer> ids = new ConcurrentHashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    Integer id = ids.get(schema);
    if (id != null) return id;
    byId.add(schema);
    ids.put(schema, byId.size());
    return byId.size();
  }

  /** Puts a schema at a chosen id, so tests can reproduce ids written by another registry. */
  public synchronized void put(int id, Schema schema) {
    while (byId.size() < id) byId.add(null);
    byId.set(id - 1, schema);
    ids.put(schema, id);
  }

  @Override
  public synchronized Schema getById(int id) {
    Schema s = id >= 1 && id <= byId.size() ? byId.get(id - 1) : null;
    if (s == null) throw new SerializationException("schema id " + id + " is not registered in the in-memory registry");
    return s;
  }
}
