package dev.weft.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The one dead-letter contract: the original headers first, then why and where from, the reason capped in bytes. */
class DeadLetterHeadersTest {
  @Test
  void shouldKeepTheOriginalHeadersAndSayWhyAndWhereFrom() {
    Headers original = new RecordHeaders().add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));
    Headers h = DeadLetterHeaders.of(original, "not Avro", "weft.task-events", 3, 42L, "coordinator");

    assertThat(DeadLetterHeaders.text(h, "traceparent")).isEqualTo("00-abc");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.REASON)).isEqualTo("not Avro");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("weft.task-events");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("3");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("42");
    assertThat(DeadLetterHeaders.text(h, DeadLetterHeaders.REPORTER)).isEqualTo("coordinator");
  }

  @Test
  void shouldCapALongReasonInUtf8BytesAtACharacterBoundary() {
    String reason = "é".repeat(5_000);
    String capped = DeadLetterHeaders.text(DeadLetterHeaders.of(null, reason, null, -1, -1, "x"), DeadLetterHeaders.REASON);

    assertThat(capped.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(DeadLetterHeaders.MAX_REASON_BYTES);
    assertThat(capped).endsWith("…").startsWith("ééé");
    assertThat(capped.substring(0, capped.length() - 1)).matches("é+");
    assertThat(DeadLetterHeaders.of(null, "short", null, -1, -1, "x").lastHeader(DeadLetterHeaders.SOURCE_TOPIC))
        .as("no source when unknown").isNull();
  }
}
