package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.executor.ExecutorConfig;
import dev.weft.sink.CompletionSink;
import dev.weft.sink.HistoryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --kafka-config FILE} reaches the Kafka clients: the services' configurations carry the file's settings, and
 * a client command's real producer and admin client are configured with them (seen by a metrics reporter the file
 * names), without a broker.
 */
class KafkaConfigFileTest {
  @TempDir
  Path dir;
  Path file;

  @BeforeEach
  void writeFile() throws Exception {
    file = dir.resolve("client.properties");
    Files.writeString(file, """
        # what a SASL deployment would put here, and a marker to find
        security.protocol = SASL_SSL
        sasl.mechanism=PLAIN
        weft.test.marker=from-the-file
        """);
    RecordingMetricsReporter.CONFIGURED.clear();
  }

  private static <T> T parsed(String... argv) {
    CommandLine weft = Weft.commandLine(new CommandOutput(System.out, System.err, false));
    CommandLine.ParseResult result = weft.parseArgs(argv);
    return result.subcommand().commandSpec().commandLine().getCommand();
  }

  @Test
  void shouldReadJavaPropertiesTrimmed() {
    assertThat(KafkaConfigFile.read(file)).isEqualTo(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
        "weft.test.marker", "from-the-file"));
    assertThat(KafkaConfigFile.read(null)).isEmpty();
  }

  @Test
  void shouldGiveTheCoordinatorsClientsTheFilesSettings() {
    CoordinatorCommand c = parsed("coordinator", "--kafka-config", file.toString(), "--bootstrap", "b:9092");

    CoordinatorConfig config = c.config("127.0.0.1", null);

    assertThat(config.bootstrapServers()).isEqualTo("b:9092");
    assertThat(config.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("weft.test.marker", "from-the-file");
  }

  @Test
  void shouldGiveTheExecutorsClientsTheFilesSettings() {
    ExecutorCommand e = parsed("executor", "noop", "--kafka-config", file.toString());

    ExecutorConfig config = e.config().instanceId("noop-1").build();

    assertThat(config.clientProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "PLAIN");
  }

  @Test
  void shouldGiveTheSinksClientsTheFilesSettings() {
    SinkCommand s = parsed("sink", "--kafka-config", file.toString(), "--history", dir.resolve("h").toString());

    try (HistoryStore store = s.history.open()) {
      CompletionSink.Config config = s.config(store, null);

      assertThat(config.clientProperties()).containsEntry("security.protocol", "SASL_SSL");
    }
  }

  @Test
  void shouldConfigureTheRealAdminAndProducerOfSubmitWithTheFilesSettings() throws Exception {
    Path pipeline = dir.resolve("p.yaml");
    Files.writeString(pipeline, """
        pipeline: p
        tasks:
          - {id: a, executor: noop}
        """);
    // No broker listens on port 1: the admin client gives up after its 5 s and the producer after the file's 1 s.
    Files.writeString(file, """
        metric.reporters=dev.weft.cli.RecordingMetricsReporter
        weft.test.marker=from-the-file
        max.block.ms=1000
        """);

    WeftCommandLineTest.Result r = WeftCommandLineTest.weft("submit", pipeline.toString(), "--bootstrap", "127.0.0.1:1",
        "--registry", "http://127.0.0.1:1", "--kafka-config", file.toString());

    assertThat(r.exit()).as("stderr: %s", r.err()).isEqualTo(69);
    List<Map<String, ?>> clients = RecordingMetricsReporter.CONFIGURED;
    assertThat(clients).as("an admin client (the executor check) and the producer").hasSizeGreaterThanOrEqualTo(2);
    assertThat(clients).allSatisfy(c -> assertThat(c.get("weft.test.marker")).isEqualTo("from-the-file"));
    assertThat(clients).anySatisfy(c -> assertThat(c).containsKey("acks"));
    assertThat(clients).anySatisfy(c -> assertThat(c).containsKey("default.api.timeout.ms"));
  }
}
