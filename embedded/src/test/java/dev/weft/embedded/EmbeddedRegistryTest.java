package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.avro.CommandKind;
import dev.weft.avro.FailureKind;
import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.RunRequest;
import dev.weft.avro.RunStatus;
import dev.weft.avro.TaskCommand;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.serde.SchemaRegistryClient;
import dev.weft.serde.SchemaRegistryException;
import dev.weft.serde.WeftSerdes;
import dev.weft.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serde against the real Apicurio registry, through its Confluent-compatible API. */
class EmbeddedRegistryTest {
  @TempDir static Path dir;
  static EmbeddedRegistry registry;

  @BeforeAll
  static void startRegistry() {
    registry = EmbeddedRegistry.start(dir.resolve("registry"), 0);
  }

  @AfterAll
  static void stopRegistry() {
    if (registry != null) registry.close();
  }

  static TaskEvent taskEvent(String runId) {
    return TaskEvent.newBuilder().setKind(TaskEventKind.FAILED).setRunId(runId).setTaskId("extract")
        .setAttempt(2).setAtMs(7L).setExitCode(137).setFailureKind(FailureKind.OOM_KILLED).setLogTail("killed\n")
        .build();
  }

  @Test
  void shouldRoundTripAllFourContractsThroughTheRealRegistry() {
    WeftSerdes serdes = new WeftSerdes(registry.url());
    RunRequest request = RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId("run-1")
        .setRequestedAtMs(5L).setSpecJson("{\"pipeline\":\"p\"}").setParams(Map.of("date", "2026-11-22")).build();
    TaskCommand command = TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId("run-1").setTaskId("a")
        .setAttempt(1).setExecutor("process").setIssuedAtMs(6L).setTaskSpecJson("{}").build();
    RunEvent runEvent = RunEvent.newBuilder().setKind(RunEventKind.RUN_FINISHED).setRunId("run-1").setAtMs(8L)
        .setRunStatus(RunStatus.SUCCEEDED).setCounts(Map.of("SUCCEEDED", 1)).build();

    assertThat(roundTrip(serdes.runRequest(), "weft.pipeline-requests", request)).isEqualTo(request);
    assertThat(roundTrip(serdes.taskCommand(), "weft.commands.process", command)).isEqualTo(command);
    assertThat(roundTrip(serdes.taskEvent(), "weft.task-events", taskEvent("run-1"))).isEqualTo(taskEvent("run-1"));
    assertThat(roundTrip(serdes.runEvent(), "weft.run-events", runEvent)).isEqualTo(runEvent);
  }

  @Test
  void shouldServeTheRegisteredSchemaByTheIdInTheWireFormat() {
    byte[] bytes = new WeftSerdes(registry.url()).taskEvent().serializer()
        .serialize("weft.task-events", taskEvent("run-2"));

    int id = WireFormat.parse(bytes).schemaId();

    assertThat(new SchemaRegistryClient(registry.url()).getById(id)).isEqualTo(TaskEvent.getClassSchema());
  }

  @Test
  void shouldReadRecordsOfAnOlderWriterSchemaWithTheCurrentReader() throws Exception {
    // TaskCommand as it was before timeoutMs, heartbeatIntervalMs and heartbeatTimeoutMs, registered as version 1 of
    // its own subject.
    Schema old = withoutFields(TaskCommand.getClassSchema(), "timeoutMs", "heartbeatIntervalMs", "heartbeatTimeoutMs");
    SchemaRegistryClient writerClient = new SchemaRegistryClient(registry.url());
    int oldId = writerClient.register("evolution-test-value", old);
    GenericRecord rec = new GenericData.Record(old);
    rec.put("kind", new GenericData.EnumSymbol(old.getField("kind").schema(), "RUN"));
    rec.put("runId", "r");
    rec.put("taskId", "t");
    rec.put("attempt", 3);
    rec.put("executor", "process");
    rec.put("pipeline", "daily");
    rec.put("issuedAtMs", 9L);
    byte[] bytes = WireFormat.encode(oldId, writeGeneric(old, rec));

    TaskCommand read = new WeftSerdes(registry.url()).taskCommand().deserializer()
        .deserialize("evolution-test", bytes);

    assertThat(read.getAttempt()).isEqualTo(3);
    assertThat(read.getHeartbeatIntervalMs()).isEqualTo(5000L);
    assertThat(read.getTimeoutMs()).isZero();
    assertThat(WireFormat.parse(new WeftSerdes(registry.url()).taskCommand().serializer()
        .serialize("evolution-test", read)).schemaId()).isNotEqualTo(oldId);
  }

  @Test
  void shouldDecodeRecordsWrittenBeforeARegistryRestart() {
    byte[] event = new WeftSerdes(registry.url()).taskEvent().serializer()
        .serialize("restart-test.task-events", taskEvent("run-3"));
    RunRequest req = RunRequest.newBuilder().setKind(RequestKind.CANCEL).setRunId("run-3").setRequestedAtMs(1L)
        .build();
    byte[] request = new WeftSerdes(registry.url()).runRequest().serializer()
        .serialize("restart-test.requests", req);

    registry.close();
    assertThat(registry.isRunning()).isFalse();
    registry = EmbeddedRegistry.start(dir.resolve("registry"), registry.port());
    WeftSerdes fresh = new WeftSerdes(registry.url());

    assertThat(fresh.taskEvent().deserializer().deserialize("restart-test.task-events", event))
        .isEqualTo(taskEvent("run-3"));
    assertThat(fresh.runRequest().deserializer().deserialize("restart-test.requests", request)).isEqualTo(req);
    // And the registry hands out the same id again rather than a new one for the same schema.
    assertThat(WireFormat.parse(fresh.taskEvent().serializer()
        .serialize("restart-test.task-events", taskEvent("run-4"))).schemaId())
        .isEqualTo(WireFormat.parse(event).schemaId());
  }

  @Test
  void shouldChooseAnotherPortWhenTheOneItChoseIsTakenBeforeTheRegistryBindsIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(Ports.free(), 0, InetAddress.getLoopbackAddress())) {
      Iterator<Integer> choices = List.of(taken.getLocalPort(), Ports.free()).iterator();

      EmbeddedRegistry other = EmbeddedRegistry.start(dir.resolve("other-registry"), choices::next);
      try {
        assertThat(other.port()).isNotEqualTo(taken.getLocalPort());
        assertThat(new SchemaRegistryClient(other.url()).register("port-test-value", Schema.create(Schema.Type.STRING)))
            .isPositive();
      } finally {
        other.close();
      }
    }
  }

  @Test
  void shouldSayWhichRegistryFailedWhenNoneListens() {
    int closedPort = Ports.free();
    SchemaRegistryClient client = new SchemaRegistryClient("http://127.0.0.1:" + closedPort + "/apis/ccompat/v7");

    assertThatThrownBy(() -> client.getById(1))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("GET http://127.0.0.1:" + closedPort + "/apis/ccompat/v7/schemas/ids/1")
        .hasMessageContaining("Is the schema registry running at");
  }

  @Test
  void shouldExplainHowToGetAMissingBundle() {
    String bundle = System.getProperty("weft.registry.bundle");
    String cache = System.getProperty("weft.cache.dir");
    try {
      System.setProperty("weft.registry.bundle", dir.resolve("no-such-bundle.tar.gz").toString());
      System.setProperty("weft.cache.dir", dir.resolve("empty-cache").toString());

      assertThatThrownBy(EmbeddedRegistry::unpackedRunnerJar)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no-such-bundle.tar.gz does not exist")
          .hasMessageContaining("mvn -q install -DskipTests");
    } finally {
      restore("weft.registry.bundle", bundle);
      restore("weft.cache.dir", cache);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) System.clearProperty(key);
    else System.setProperty(key, value);
  }

  private static <T> T roundTrip(Serde<T> serde, String topic, T value) {
    byte[] bytes = serde.serializer().serialize(topic, value);
    assertThat(bytes[0]).isZero();
    // A new client, so the schema really comes back from the registry and not from the writer's cache.
    WeftSerdes reader = new WeftSerdes(registry.url());
    @SuppressWarnings("unchecked")
    Serde<T> readSerde = (Serde<T>) switch (value.getClass().getSimpleName()) {
      case "RunRequest" -> reader.runRequest();
      case "TaskCommand" -> reader.taskCommand();
      case "TaskEvent" -> reader.taskEvent();
      default -> reader.runEvent();
    };
    return readSerde.deserializer().deserialize(topic, bytes);
  }

  private static Schema withoutFields(Schema base, String... names) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = (ObjectNode) json.readTree(base.toString());
    ArrayNode fields = (ArrayNode) root.get("fields");
    for (String name : names) {
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).get("name").asText().equals(name)) fields.remove(i);
      }
    }
    return new Schema.Parser().parse(root.toString());
  }

  private static byte[] writeGeneric(Schema schema, GenericRecord rec) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
    enc.flush();
    return out.toByteArray();
  }
}
