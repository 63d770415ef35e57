package dev.weft.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireFormatTest {

  @Test
  void shouldWriteMagicByteAndBigEndianIdBeforeTheBody() {
    byte[] out = WireFormat.encode(0x01020304, new byte[] {9, 8});

    assertThat(out).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04, 9, 8);
  }

  @Test
  void shouldReadBackIdsAboveSignedByteRange() {
    byte[] out = WireFormat.encode(0x80FF7F01, new byte[0]);

    WireFormat.Header h = WireFormat.parse(out);

    assertThat(h.schemaId()).isEqualTo(0x80FF7F01);
    assertThat(h.bodyOffset()).isEqualTo(5);
  }

  @Test
  void shouldRejectEmptyPayload() {
    assertThatThrownBy(() -> WireFormat.parse(new byte[0]))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("payload is empty");
  }

  @Test
  void shouldRejectPayloadShorterThanHeader() {
    assertThatThrownBy(() -> WireFormat.parse(new byte[] {0, 0, 1}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("has 3 bytes")
        .hasMessageContaining("needs 5");
  }

  @Test
  void shouldRejectWrongMagicByteNamingTheByte() {
    byte[] json = "{\"runId\":\"r1\"}".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> WireFormat.parse(json))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("not Confluent wire format: first byte 0x7b; expected 0x00")
        .hasMessageContaining("looks like JSON");
  }
}
