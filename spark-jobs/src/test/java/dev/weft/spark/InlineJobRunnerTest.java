package dev.weft.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.spark.examples.RevenueByCustomer;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's file handling and class loading; the jobs themselves run under real spark-submit in executors. */
class InlineJobRunnerTest {
  @TempDir Path dir;

  @Test
  void shouldReadParamsFileWithUnicodeAndSpecialCharacters() throws Exception {
    Properties props = new Properties();
    props.setProperty("input", "/data/orders 2026-11-22.csv");
    props.setProperty("note", "a=b: c\\d ünïcödé\nsecond line");
    Path file = dir.resolve("params.properties");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      props.store(out, null);
    }

    assertThat(InlineJobRunner.readParams(file))
        .containsExactly(Map.entry("input", "/data/orders 2026-11-22.csv"),
            Map.entry("note", "a=b: c\\d ünïcödé\nsecond line"));
  }

  @Test
  void shouldInstantiateJobAndRejectClassesThatAreNotJobs() throws Exception {
    assertThat(InlineJobRunner.instantiate(RevenueByCustomer.class.getName())).isInstanceOf(RevenueByCustomer.class);
    assertThatThrownBy(() -> InlineJobRunner.instantiate("java.lang.String"))
        .hasMessageContaining("does not implement dev.weft.spark.SparkJob");
    assertThatThrownBy(() -> InlineJobRunner.instantiate("com.example.Missing"))
        .isInstanceOf(ClassNotFoundException.class)
        .hasMessageContaining("com.example.Missing");
  }
}
