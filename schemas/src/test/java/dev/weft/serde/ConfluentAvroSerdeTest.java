package dev.weft.serde;

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
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroSerdeTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final WeftSerdes serdes = new WeftSerdes(registry);

  /** {@link #goldenEvent()} under schema id 7, derived by hand from the Confluent framing and the Avro binary spec. */
  private static final String GOLDEN_HEX = "00" + "00000007" // magic byte, schema id 7 big-endian
      + "06" //         kind: enum index 3 (SUCCEEDED) -> zig-zag 6
      + "04" + "7231" // runId: length 2 (zig-zag 4), "r1"
      + "02" + "74" //   taskId: length 1, "t"
      + "02" //         attempt 1 -> zig-zag 2
      + "d00f" //       atMs 1000 -> zig-zag 2000 = 15 * 128 + 80 -> 0x80|80 = 0xd0, then 15 = 0x0f
      + "02" + "78" //   source: length 1, "x"
      + "00" //         handle: union branch 0 (null)
      + "02" + "01" //   exitCode: union branch 1 (int), -1 -> zig-zag 1
      + "00" + "00" + "00" + "00" + "00" + "00" // failureKind, reason, logTail, trackingUrl, phase, spawnedJson: null
      + "00"; // resultJson: null (added 2026-12-01)

  static TaskEvent goldenEvent() {
    return TaskEvent.newBuilder()
        .setKind(TaskEventKind.SUCCEEDED)
        .setRunId("r1")
        .setTaskId("t")
        .setAttempt(1)
        .setAtMs(1000L)
        .setSource("x")
        .setExitCode(-1)
        .build();
  }

  @Test
  void shouldWriteGoldenBytes() {
    registry.put(7, TaskEvent.getClassSchema());

    byte[] bytes = serdes.taskEvent().serializer().serialize("weft.task-events", goldenEvent());

    assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(GOLDEN_HEX);
  }

  @Test
  void shouldReadGoldenBytes() {
    registry.put(7, TaskEvent.getClassSchema());
    byte[] bytes = HexFormat.of().parseHex(GOLDEN_HEX);

    TaskEvent read = serdes.taskEvent().deserializer().deserialize("weft.task-events", bytes);

    assertThat(read).isEqualTo(goldenEvent());
  }

  @Test
  void shouldRoundTripAllFourContracts() {
    RunRequest request = RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId("run-1")
        .setRequestedAtMs(5L).setSpecJson("{\"pipeline\":\"p\"}").setParams(Map.of("date", "2026-11-22")).build();
    TaskCommand command = TaskCommand.newBuilder().setKind(CommandKind.RUN).setRunId("run-1").setTaskId("a")
        .setAttempt(2).setExecutor("process").setIssuedAtMs(6L).setTaskSpecJson("{}").build();
    TaskEvent event = TaskEvent.newBuilder().setKind(TaskEventKind.FAILED).setRunId("run-1").setTaskId("a")
        .setAttempt(2).setAtMs(7L).setFailureKind(FailureKind.OOM_KILLED).setLogTail("killed\n").build();
    RunEvent runEvent = RunEvent.newBuilder().setKind(RunEventKind.RUN_FINISHED).setRunId("run-1").setAtMs(8L)
        .setRunStatus(RunStatus.FAILED).setCounts(Map.of("FAILED", 1)).build();

    assertThat(roundTrip(serdes.runRequest(), "weft.pipeline-requests", request)).isEqualTo(request);
    assertThat(roundTrip(serdes.taskCommand(), "weft.commands.process", command)).isEqualTo(command);
    assertThat(roundTrip(serdes.taskEvent(), "weft.task-events", event)).isEqualTo(event);
    assertThat(roundTrip(serdes.runEvent(), "weft.run-events", runEvent)).isEqualTo(runEvent);
  }

  @Test
  void shouldPassNullThroughBothWays() {
    assertThat(serdes.taskEvent().serializer().serialize("t", null)).isNull();
    assertThat(serdes.taskEvent().deserializer().deserialize("t", null)).isNull();
  }

  @Test
  void shouldApplyReaderDefaultsForFieldsTheWriterLacked() throws Exception {
    // An older TaskCommand contract, before timeoutMs, heartbeatIntervalMs and heartbeatTimeoutMs existed.
    Schema old = editSchema(TaskCommand.getClassSchema(), fields -> {
      removeField(fields, "timeoutMs");
      removeField(fields, "heartbeatIntervalMs");
      removeField(fields, "heartbeatTimeoutMs");
    });
    registry.put(3, old);
    GenericRecord rec = new GenericData.Record(old);
    rec.put("kind", new GenericData.EnumSymbol(old.getField("kind").schema(), "RUN"));
    rec.put("runId", "r");
    rec.put("taskId", "t");
    rec.put("attempt", 1);
    rec.put("executor", "process");
    rec.put("pipeline", "daily");
    rec.put("issuedAtMs", 9L);

    TaskCommand read = serdes.taskCommand().deserializer()
        .deserialize("weft.commands.process", WireFormat.encode(3, writeGeneric(old, rec)));

    assertThat(read.getHeartbeatIntervalMs()).isEqualTo(5000L);
    assertThat(read.getTimeoutMs()).isZero();
    assertThat(read.getHeartbeatTimeoutMs()).as("unknown: the executor assumes one from the interval").isZero();
    assertThat(read.getIssuedAtMs()).isEqualTo(9L);
  }

  @Test
  void shouldSkipFieldsAndMapSymbolsTheReaderDoesNotKnow() throws Exception {
    // A newer TaskEvent contract: one extra field and one extra kind.
    Schema newer = editSchema(TaskEvent.getClassSchema(), fields -> {
      ObjectNode extra = fields.insertObject(4);
      extra.put("name", "shard");
      extra.put("type", "string");
      extra.put("default", "");
      ObjectNode kind = (ObjectNode) fields.get(0).get("type");
      ((ArrayNode) kind.get("symbols")).add("PAUSED");
    });
    registry.put(11, newer);
    GenericRecord rec = new GenericData.Record(newer);
    rec.put("kind", new GenericData.EnumSymbol(newer.getField("kind").schema(), "PAUSED"));
    rec.put("runId", "r");
    rec.put("taskId", "t");
    rec.put("attempt", 4);
    rec.put("shard", "s-17");
    rec.put("atMs", 12L);
    rec.put("source", "exec-1");

    TaskEvent read = serdes.taskEvent().deserializer()
        .deserialize("weft.task-events", WireFormat.encode(11, writeGeneric(newer, rec)));

    assertThat(read.getKind()).isEqualTo(TaskEventKind.UNKNOWN);
    assertThat(read.getAttempt()).isEqualTo(4);
    assertThat(read.getAtMs()).isEqualTo(12L);
    assertThat(read.getSource()).isEqualTo("exec-1");
  }

  @Test
  void shouldNameTopicAndSchemaIdWhenTheBodyIsCorrupt() {
    registry.put(7, TaskEvent.getClassSchema());
    byte[] truncated = HexFormat.of().parseHex("00000000070604");

    assertThatThrownBy(() -> serdes.taskEvent().deserializer().deserialize("weft.task-events", truncated))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("weft.task-events")
        .hasMessageContaining("schema id 7");
  }

  @Test
  void shouldNameTopicWhenThePayloadIsNotWireFormat() {
    assertThatThrownBy(() -> serdes.taskEvent().deserializer().deserialize("weft.task-events", "{}".getBytes()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("topic 'weft.task-events'")
        .hasMessageContaining("first byte 0x7b");
  }

  @Test
  void shouldRejectUnknownSchemaId() {
    assertThatThrownBy(() -> serdes.taskEvent().deserializer()
        .deserialize("weft.task-events", WireFormat.encode(99, new byte[] {6})))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("schema id 99");
  }

  @Test
  void shouldRegisterEachTopicUnderItsValueSubjectOnce() {
    CountingLookup counting = new CountingLookup(registry);
    ConfluentAvroSerializer<TaskEvent> ser = new ConfluentAvroSerializer<>(counting, TaskEvent.class);

    for (int i = 0; i < 100; i++) ser.serialize("weft.task-events", goldenEvent());
    ser.serialize("other", goldenEvent());

    assertThat(counting.subjects).containsExactly("weft.task-events-value", "other-value");
  }

  @Test
  void shouldKeepRunEventsReadableBothWaysAcrossTheAttemptEventsChange() throws Exception {
    // RunEvent as released before 2026-12-01: no attempt kinds, none of the fields the history sink needs.
    String[] added = {"executor", "source", "handle", "retrying", "outputs", "inputs", "runAcceptedAtMs", "params",
        "requester", "specHash"};
    Schema old = editSchema(RunEvent.getClassSchema(), fields -> {
      for (String f : added) removeField(fields, f);
      ArrayNode symbols = (ArrayNode) fields.get(0).get("type").get("symbols");
      symbols.remove(symbols.size() - 1);
      symbols.remove(symbols.size() - 1);
    });
    assertThat(org.apache.avro.SchemaCompatibility.checkReaderWriterCompatibility(old, RunEvent.getClassSchema())
        .getType()).as("an older consumer reads the new events (new kinds as UNKNOWN)")
        .isEqualTo(org.apache.avro.SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);

    registry.put(12, old);
    GenericRecord rec = new org.apache.avro.generic.GenericRecordBuilder(old) // the builder fills in the defaults
        .set("kind", new GenericData.EnumSymbol(old.getField("kind").schema(), "TASK_FINISHED"))
        .set("runId", "r").set("atMs", 12L).set("taskId", "t").build();
    RunEvent read = serdes.runEvent().deserializer()
        .deserialize("weft.run-events", WireFormat.encode(12, writeGeneric(old, rec)));
    assertThat(read.getKind()).isEqualTo(RunEventKind.TASK_FINISHED);
    assertThat(read.getOutputs()).isEmpty();
    assertThat(read.getParams()).isEmpty();
    assertThat(read.getRunAcceptedAtMs()).isZero();
    assertThat(read.getSpecHash()).isNull();
    assertThat(read.getRetrying()).isFalse();
  }

  @Test
  void shouldRejectRecordMissingARequiredField() {
    TaskEvent broken = goldenEvent();
    broken.setRunId(null);

    assertThatThrownBy(() -> serdes.taskEvent().serializer().serialize("weft.task-events", broken))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("weft.task-events")
        .hasMessageContaining("dev.weft.avro.TaskEvent");
  }

  private static <T> T roundTrip(org.apache.kafka.common.serialization.Serde<T> serde, String topic, T value) {
    byte[] bytes = serde.serializer().serialize(topic, value);
    assertThat(bytes[0]).isZero();
    return serde.deserializer().deserialize(topic, bytes);
  }

  private static Schema editSchema(Schema base, Consumer<ArrayNode> edit) throws Exception {
    ObjectNode root = (ObjectNode) JSON.readTree(base.toString());
    edit.accept((ArrayNode) root.get("fields"));
    return new Schema.Parser().parse(root.toString());
  }

  private static void removeField(ArrayNode fields, String name) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).get("name").asText().equals(name)) {
        fields.remove(i);
        return;
      }
    }
    throw new IllegalArgumentException("no field " + name);
  }

  private static byte[] writeGeneric(Schema schema, GenericRecord rec) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(rec, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static final class CountingLookup implements SchemaLookup {
    final SchemaLookup delegate;
    final java.util.List<String> subjects = new java.util.ArrayList<>();

    CountingLookup(SchemaLookup delegate) {
      this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
      subjects.add(subject);
      return delegate.register(subject, schema);
    }

    @Override
    public Schema getById(int id) {
      return delegate.getById(id);
    }
  }
}
