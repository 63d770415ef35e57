package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalOutputCheckerTest {
  @TempDir Path dir;

  @Test
  void shouldFindFileUrisAbsoluteAndRelativePaths() throws Exception {
    Files.writeString(dir.resolve("out.csv"), "x");
    LocalOutputChecker checker = new LocalOutputChecker(dir);

    assertThat(checker.exists("file://" + dir.resolve("out.csv"))).isTrue();
    assertThat(checker.exists(dir.resolve("out.csv").toString())).isTrue();
    assertThat(checker.exists("out.csv")).isTrue();
    assertThat(checker.exists("file://" + dir.resolve("missing.csv"))).isFalse();
    assertThat(checker.exists("missing.csv")).isFalse();
  }

  @Test
  void shouldRefuseOtherSchemesWithAClearMessage() {
    LocalOutputChecker checker = new LocalOutputChecker(dir);

    assertThatThrownBy(() -> checker.exists("s3://bucket/key"))
        .isInstanceOf(OutputChecker.UnsupportedOutputException.class)
        .hasMessageContaining("scheme 's3' is not supported");
    assertThatThrownBy(() -> checker.exists("file://host/path"))
        .isInstanceOf(OutputChecker.UnsupportedOutputException.class)
        .hasMessageContaining("file:///absolute/path");
  }
}
