package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextsTest {
  @Test
  void shouldKeepShortTextAsItIs() {
    assertThat(Texts.head("short", 10)).isEqualTo("short");
    assertThat(Texts.tail("short", 10)).isEqualTo("short");
    assertThat(Texts.head(null, 10)).isNull();
  }

  @Test
  void shouldKeepTheBeginningOfAReasonAndTheEndOfALogWithinTheByteLimit() {
    String text = "0123456789abcdefghij";

    assertThat(Texts.head(text, 10)).isEqualTo("0123456...");
    assertThat(Texts.tail(text, 10)).isEqualTo("...defghij");
  }

  @Test
  void shouldCountUtf8BytesAndNeverSplitACharacter() {
    String text = "é".repeat(100) + "€";

    String tail = Texts.tail(text, 11);
    String head = Texts.head(text, 10);

    assertThat(tail.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(11);
    assertThat(tail).isEqualTo("...éé€");
    assertThat(head.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(10);
    assertThat(head).isEqualTo("ééé...");
  }
}
