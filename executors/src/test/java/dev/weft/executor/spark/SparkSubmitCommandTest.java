package dev.weft.executor.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.spark.SparkBackendConfig.Launcher;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SparkSubmitCommandTest {
  private static final Launcher SCRIPT = new Launcher.SparkSubmitScript(Path.of("/opt/spark/bin/spark-submit"));

  @Test
  void shouldPutEveryFieldInSparkSubmitOrderWithConfSortedAndSpacesInOneArgument() {
    SparkSpec spec = new SparkSpec("yarn", "cluster", "daily revenue", "com.example.Etl", "hdfs:///jobs/etl 1.jar",
        List.of("--date", "2026-11-22", "two words"), List.of("a.jar", "b.jar"), List.of("lookup.csv"),
        List.of("lib.zip", "util.py"), List.of("org.example:lib:1.0"), List.of("https://repo.example/maven"),
        Map.of("spark.sql.shuffle.partitions", "64", "spark.app.note", "a b=c", "spark.executor.extraJavaOptions",
            "-Dx=1 -Dy=2"),
        "/etc/spark/extra.conf", "2g", 2, "4g", 3, 10, Map.of("HADOOP_CONF_DIR", "/etc/hadoop"), null, null);

    SparkSubmitCommand command = SparkSubmitCommand.of(SCRIPT, spec);

    assertThat(command.spark()).containsExactly(
        "/opt/spark/bin/spark-submit",
        "--master", "yarn",
        "--deploy-mode", "cluster",
        "--name", "daily revenue",
        "--class", "com.example.Etl",
        "--jars", "a.jar,b.jar",
        "--files", "lookup.csv",
        "--py-files", "lib.zip,util.py",
        "--packages", "org.example:lib:1.0",
        "--repositories", "https://repo.example/maven",
        "--conf", "spark.app.note=a b=c",
        "--conf", "spark.executor.extraJavaOptions=-Dx=1 -Dy=2",
        "--conf", "spark.sql.shuffle.partitions=64",
        "--properties-file", "/etc/spark/extra.conf",
        "--driver-memory", "2g",
        "--driver-cores", "2",
        "--executor-memory", "4g",
        "--executor-cores", "3",
        "--num-executors", "10");
    assertThat(command.application()).containsExactly("hdfs:///jobs/etl 1.jar", "--date", "2026-11-22", "two words");
    assertThat(command.argv()).hasSize(command.spark().size() + command.application().size())
        .endsWith("hdfs:///jobs/etl 1.jar", "--date", "2026-11-22", "two words");
    // The task's env goes to the process environment, never to the command line.
    assertThat(command.argv()).noneMatch(a -> a.contains("HADOOP_CONF_DIR"));
  }

  @Test
  void shouldOmitUnsetFields() {
    SparkSpec spec = minimal("local[2]", "app.jar");

    SparkSubmitCommand command = SparkSubmitCommand.of(SCRIPT, spec);

    assertThat(command.spark()).containsExactly("/opt/spark/bin/spark-submit", "--master", "local[2]");
    assertThat(command.application()).containsExactly("app.jar");
  }

  @Test
  void shouldLaunchSparkSubmitClassInJavaWithModuleFlagsAndDriverHeapInClientMode() {
    Launcher java = new Launcher.JavaMain(Path.of("/usr/bin/java"),
        List.of("--add-opens=java.base/java.nio=ALL-UNNAMED"), "/m2/spark-core.jar:/m2/scala-library.jar");
    SparkSpec spec = new SparkSpec("local[1]", null, null, "com.example.Main", "app.jar", List.of(), List.of(),
        List.of(), List.of(), List.of(), List.of(), Map.of(), null, "512m", null, null, null, null, Map.of(), null,
        null);

    SparkSubmitCommand command = SparkSubmitCommand.of(java, spec);

    assertThat(command.spark()).containsExactly("/usr/bin/java", "-Xmx512m",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "-cp", "/m2/spark-core.jar:/m2/scala-library.jar",
        "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]", "--class", "com.example.Main",
        "--driver-memory", "512m");
  }

  @Test
  void shouldMergeClusterDefaultsFieldByFieldAndTurnInlineJobIntoRunnerSubmit() throws Exception {
    SparkSpec task = SparkSpec.parse(dev.weft.spec.SpecJson.MAPPER.readTree("""
        {"job": "com.example.MyJob", "params": {"input": "/data/in.csv"},
         "conf": {"spark.sql.shuffle.partitions": 8}}"""));

    SparkSpec merged = task.withDefaults("local[4]",
            Map.of("spark.sql.shuffle.partitions", "200", "spark.ui.enabled", "true"))
        .asInlineSubmit("/opt/weft/weft-spark-jobs.jar", "/tmp/params.properties");

    assertThat(SparkSubmitCommand.of(SCRIPT, merged).argv()).containsExactly("/opt/spark/bin/spark-submit",
        "--master", "local[4]", "--class", "dev.weft.spark.InlineJobRunner",
        "--conf", "spark.sql.shuffle.partitions=8", "--conf", "spark.ui.enabled=true",
        "/opt/weft/weft-spark-jobs.jar", "/tmp/params.properties");
  }

  @Test
  void shouldAddRunnerJarToJarsWhenInlineJobComesInUsersJar() {
    SparkSpec spec = new SparkSpec("local[1]", null, null, null, "my-jobs.jar", List.of(), List.of("dep.jar"),
        List.of(), List.of(), List.of(), List.of(), Map.of(), null, null, null, null, null, null, Map.of(),
        "com.example.MyJob", Map.of());

    SparkSubmitCommand command = SparkSubmitCommand.of(SCRIPT, spec.asInlineSubmit("/opt/weft/jobs.jar", "/tmp/p"));

    assertThat(command.argv()).containsExactly("/opt/spark/bin/spark-submit", "--master", "local[1]",
        "--class", "dev.weft.spark.InlineJobRunner", "--jars", "dep.jar,/opt/weft/jobs.jar", "my-jobs.jar", "/tmp/p");
  }

  private static SparkSpec minimal(String master, String appResource) {
    return new SparkSpec(master, null, null, null, appResource, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null);
  }
}
