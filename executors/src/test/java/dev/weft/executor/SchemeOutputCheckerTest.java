package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemeOutputCheckerTest {
  @TempDir Path dir;

  @Test
  void shouldSendS3TargetsToTheS3CheckerAndEverythingElseToTheLocalOne() throws Exception {
    Files.writeString(dir.resolve("out.csv"), "x");
    List<String> askedS3 = new ArrayList<>();
    SchemeOutputChecker checker = new SchemeOutputChecker(new LocalOutputChecker(dir), target -> {
      askedS3.add(target);
      return target.endsWith("/");
    });

    assertThat(checker.exists("out.csv")).isTrue();
    assertThat(checker.exists("file://" + dir.resolve("out.csv"))).isTrue();
    assertThat(checker.exists("missing.csv")).isFalse();
    assertThat(checker.exists("s3://bucket/prefix/")).isTrue();
    assertThat(checker.exists("s3://bucket/key")).isFalse();
    assertThat(askedS3).containsExactly("s3://bucket/prefix/", "s3://bucket/key");
  }

  @Test
  void shouldRefuseATargetThatIsNotValidAsUnsupported() {
    SchemeOutputChecker checker = new SchemeOutputChecker(new LocalOutputChecker(dir), target -> {
      throw new AssertionError("S3 must not be asked about " + target);
    });

    assertThatThrownBy(() -> checker.exists("s3://bucket")).isInstanceOf(OutputChecker.UnsupportedOutputException.class)
        .hasMessageContaining("names a bucket but no key");
    assertThatThrownBy(() -> checker.exists("gs://bucket/key"))
        .isInstanceOf(OutputChecker.UnsupportedOutputException.class).hasMessageContaining("scheme 'gs' is not supported");
  }
}
