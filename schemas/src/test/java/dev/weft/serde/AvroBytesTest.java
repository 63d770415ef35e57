package dev.weft.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.TaskEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class AvroBytesTest {
  private static final byte[] PREFIX = {9, 8, 7};
  private final DatumWriter<TaskEvent> writer = new SpecificDatumWriter<>(TaskEvent.class);

  @Test
  void shouldWriteThePrefixThenAvrosOwnEncoding() throws IOException {
    TaskEvent event = ConfluentAvroSerdeTest.goldenEvent();

    assertThat(AvroBytes.encode(PREFIX, writer, event)).isEqualTo(reference(event));
  }

  @Test
  void shouldWriteEachValueAloneWhenTheThreadEncodesMany() throws IOException {
    TaskEvent small = ConfluentAvroSerdeTest.goldenEvent();
    TaskEvent large = ConfluentAvroSerdeTest.goldenEvent();
    large.setLogTail("x".repeat(5_000)); // past the encoder's own buffer, so it reaches the array in blocks

    byte[] first = AvroBytes.encode(PREFIX, writer, large);
    byte[] second = AvroBytes.encode(PREFIX, writer, small);

    assertThat(first).isEqualTo(reference(large));
    assertThat(second).isEqualTo(reference(small));
  }

  @Test
  void shouldLeaveNothingOfAValueThatFailedHalfWritten() throws IOException {
    TaskEvent broken = ConfluentAvroSerdeTest.goldenEvent();
    broken.setTaskId(null); // required: the kind and run id are written before the write fails
    TaskEvent next = ConfluentAvroSerdeTest.goldenEvent();

    assertThatThrownBy(() -> AvroBytes.encode(PREFIX, writer, broken)).isInstanceOf(NullPointerException.class);
    byte[] bytes = AvroBytes.encode(PREFIX, writer, next);

    assertThat(bytes).isEqualTo(reference(next));
  }

  @Test
  void shouldEncodeAValueLargerThanTheBufferItKeeps() throws IOException {
    TaskEvent huge = ConfluentAvroSerdeTest.goldenEvent();
    huge.setLogTail("y".repeat(3 << 20));
    TaskEvent next = ConfluentAvroSerdeTest.goldenEvent();

    assertThat(AvroBytes.encode(PREFIX, writer, huge)).isEqualTo(reference(huge));
    assertThat(AvroBytes.encode(PREFIX, writer, next)).isEqualTo(reference(next));
  }

  /** What Avro's plain encoder writes behind the prefix. */
  private byte[] reference(TaskEvent event) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(PREFIX);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    writer.write(event, encoder);
    encoder.flush();
    return out.toByteArray();
  }
}
