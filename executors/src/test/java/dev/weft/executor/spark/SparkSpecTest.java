package dev.weft.executor.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.LaunchException;
import dev.weft.spec.SpecJson;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkSpecTest {
  @Test
  void shouldReadEveryFieldFromYaml() throws Exception {
    SparkSpec spec = parse("""
        master: yarn
        deployMode: cluster
        name: etl
        mainClass: com.example.Etl
        appResource: etl.jar
        appArgs: ["--date", "2026-11-22"]
        jars: [a.jar]
        files: [f.csv]
        pyFiles: [p.zip]
        packages: ["g:a:1"]
        repositories: ["https://repo.example"]
        conf: {spark.sql.shuffle.partitions: 64, spark.dynamicAllocation.enabled: true}
        propertiesFile: /etc/spark.conf
        driverMemory: 2g
        driverCores: 1
        executorMemory: 4g
        executorCores: 2
        numExecutors: 5
        env: {HADOOP_USER_NAME: etl}
        """);

    assertThat(spec.conf()).containsExactly(Map.entry("spark.dynamicAllocation.enabled", "true"),
        Map.entry("spark.sql.shuffle.partitions", "64"));
    assertThat(spec.numExecutors()).isEqualTo(5);
    assertThat(spec.env()).containsEntry("HADOOP_USER_NAME", "etl");
    assertThat(spec.appArgs()).containsExactly("--date", "2026-11-22");
  }

  @Test
  void shouldNameUnknownField() {
    assertInvalid("mainClass: x.Y\nappResource: a.jar\nexecutorMemroy: 4g\n",
        "spark.executorMemroy is not a spark field");
  }

  @Test
  void shouldNameFieldOfWrongType() {
    assertInvalid("appResource: a.jar\nnumExecutors: many\n", "spark.numExecutors");
  }

  @Test
  void shouldRejectSpecsThatCannotRun() {
    assertInvalid("mainClass: x.Y\n", "spark.appResource is missing");
    assertInvalid("job: x.Job\nmainClass: x.Y\n", "spark.job and spark.mainClass exclude each other");
    assertInvalid("job: x.Job\nappArgs: [a]\n", "spark.appArgs cannot be used with spark.job");
    assertInvalid("job: x.Job\nparams: {weft.runId: r}\n", "spark.params.weft.runId");
    assertInvalid("appResource: a.jar\nparams: {a: b}\n", "spark.params is only for inline jobs");
    assertInvalid("appResource: a.jar\ndeployMode: remote\n", "spark.deployMode must be client or cluster");
    assertInvalid("appResource: a.jar\nexecutorCores: 0\n", "spark.executorCores must be positive");
    assertInvalid("[1, 2]\n", "spark: must be an object");
    assertThatThrownBy(() -> SparkSpec.parse(null)).hasMessageContaining("no spark: block");
  }

  private static SparkSpec parse(String yaml) throws Exception {
    return SparkSpec.parse(SpecJson.YAML.readTree(yaml));
  }

  private static void assertInvalid(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining(message);
  }
}
