package dev.weft.sink.lineage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DatasetNameTest {
  @Test
  void shouldNameTargetsAsTheOpenLineageNamingSpecDoes() {
    Path base = Path.of("/srv/weft");
    assertThat(DatasetName.of("s3://bucket/a/b.csv", base)).isEqualTo(new DatasetName("s3://bucket", "a/b.csv"));
    assertThat(DatasetName.of("s3://bucket/a/day=1/", base)).isEqualTo(new DatasetName("s3://bucket", "a/day=1"));
    assertThat(DatasetName.of("/data/x.csv", base)).isEqualTo(new DatasetName("file", "/data/x.csv"));
    assertThat(DatasetName.of("file:///data/./x.csv", base)).isEqualTo(new DatasetName("file", "/data/x.csv"));
    assertThat(DatasetName.of("out/x.csv", base)).isEqualTo(new DatasetName("file", "/srv/weft/out/x.csv"));
    assertThat(DatasetName.of("s3://bucket/a/b.csv", base)).hasToString("s3://bucket/a/b.csv");
    assertThat(DatasetName.of("out/x.csv", base)).hasToString("/srv/weft/out/x.csv");
  }
}
