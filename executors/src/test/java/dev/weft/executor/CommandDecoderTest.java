package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.CommandKind;
import dev.weft.avro.TaskCommand;
import dev.weft.serde.InMemorySchemaRegistry;
import dev.weft.serde.SchemaLookup;
import dev.weft.serde.SchemaRegistryException;
import dev.weft.serde.WeftSerdes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Which command records are run, which are dead-lettered, and which wait for the registry; no broker. */
class CommandDecoderTest {
  private static final String TOPIC = "weft.commands.process";

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final WeftSerdes serdes = new WeftSerdes(registry);
  private final CommandDecoder decoder = new CommandDecoder(serdes.taskCommand().deserializer());

  @Test
  void shouldDecodeACommandKeyedByItsRunAndTask() {
    TaskCommand run = run("r1", "extract");

    CommandDecoder.Result result = decoder.decode(record("r1/extract", bytes(run)));

    assertThat(result).isEqualTo(new CommandDecoder.Command(run));
  }

  @Test
  void shouldRefuseACommandWhoseKeyIsNotItsRunAndTask() {
    CommandDecoder.Result result = decoder.decode(record("r1/other", bytes(run("r1", "extract"))));

    assertThat(result).isInstanceOfSatisfying(CommandDecoder.Bad.class, bad -> assertThat(bad.reason())
        .startsWith("RUN command for r1/extract#1 has key 'r1/other'; commands must be keyed runId/taskId ('r1/extract')"));
  }

  @Test
  void shouldRefuseACommandWithoutKey() {
    CommandDecoder.Result result = decoder.decode(record(null, bytes(run("r1", "extract"))));

    assertThat(result).isInstanceOfSatisfying(CommandDecoder.Bad.class, bad -> assertThat(bad.reason()).contains("has key null"));
  }

  @Test
  void shouldRefuseGarbageAndAnUnknownSchemaId() {
    byte[] unknownId = ByteBuffer.allocate(7).put((byte) 0).putInt(424242).put(new byte[] {2, 4}).array();

    assertThat(decoder.decode(record("r1/t", "not avro".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOfSatisfying(CommandDecoder.Bad.class, bad -> assertThat(bad.reason()).startsWith("not a TaskCommand"));
    assertThat(decoder.decode(record("r1/t", unknownId)))
        .isInstanceOfSatisfying(CommandDecoder.Bad.class, bad -> assertThat(bad.reason()).contains("424242"));
    assertThat(decoder.decode(record("r1/t", null)))
        .isInstanceOfSatisfying(CommandDecoder.Bad.class, bad -> assertThat(bad.reason()).contains("null value"));
  }

  @Test
  void shouldWaitRatherThanRefuseWhenTheRegistryDoesNotAnswer() {
    byte[] good = bytes(run("r1", "extract"));
    SchemaLookup down = new SchemaLookup() {
      @Override
      public int register(String subject, Schema schema) {
        throw new SchemaRegistryException("POST http://127.0.0.1:1/subjects failed: connection refused");
      }

      @Override
      public Schema getById(int id) {
        throw new SchemaRegistryException("GET http://127.0.0.1:1/schemas/ids/" + id + " failed: connection refused");
      }
    };
    CommandDecoder cutOff = new CommandDecoder(new WeftSerdes(down).taskCommand().deserializer());

    assertThat(cutOff.decode(record("r1/extract", good))).isInstanceOfSatisfying(CommandDecoder.RegistryUnavailable.class,
        w -> assertThat(w.reason()).contains("connection refused"));
  }

  private static TaskCommand run(String runId, String taskId) {
    return TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId(runId).setTaskId(taskId).setAttempt(1)
        .setExecutor("process").setIssuedAtMs(1).setTaskSpecJson("{}").build();
  }

  private byte[] bytes(TaskCommand c) {
    return serdes.taskCommand().serializer().serialize(TOPIC, c);
  }

  private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
    return new ConsumerRecord<>(TOPIC, 0, 7, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
  }
}
