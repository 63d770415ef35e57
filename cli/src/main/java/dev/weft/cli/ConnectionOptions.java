package dev.weft.cli;

import dev.weft.serde.SchemaRegistryClient;
import dev.weft.serde.WeftSerdes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How a client or service command reaches Weft: the broker, the schema registry and the coordinator's API, and the
 * credentials for them. Defaults are what {@code weft dev} starts, so on a laptop none is needed.
 */
final class ConnectionOptions {
  static final String DEFAULT_BOOTSTRAP = "localhost:9092";
  static final String DEFAULT_REGISTRY = "http://localhost:8081/apis/ccompat/v7";
  static final String DEFAULT_API = "http://localhost:7070";

  @Option(names = "--bootstrap", paramLabel = "SERVERS",
      description = "Kafka bootstrap servers (env WEFT_BOOTSTRAP; default " + DEFAULT_BOOTSTRAP + ")")
  String bootstrap;

  @Option(names = "--registry", paramLabel = "URL",
      description = "schema registry URL (env WEFT_REGISTRY; default " + DEFAULT_REGISTRY + ")")
  String registry;

  @Option(names = "--api", paramLabel = "URL",
      description = "the coordinator's API (env WEFT_API; default " + DEFAULT_API + ")")
  String api;

  @Option(names = "--kafka-config", paramLabel = "FILE",
      description = "Kafka client properties (SASL, TLS, ...) for every Kafka client this command makes "
          + "(env WEFT_KAFKA_CONFIG)")
  Path kafkaConfig;

  @Option(names = "--registry-user", paramLabel = "USER:PASSWORD",
      description = "schema registry credentials, sent as HTTP basic auth (env WEFT_REGISTRY_AUTH, which keeps the "
          + "password out of the process list)")
  String registryUser;

  String bootstrap() {
    return Environment.or(bootstrap, "WEFT_BOOTSTRAP", DEFAULT_BOOTSTRAP);
  }

  String registry() {
    return Environment.or(registry, "WEFT_REGISTRY", DEFAULT_REGISTRY);
  }

  String api() {
    return Environment.or(api, "WEFT_API", DEFAULT_API);
  }

  /** The {@code --kafka-config} file's settings, to give every Kafka client the command makes. */
  Map<String, Object> kafkaProperties() {
    String file = Environment.or(kafkaConfig == null ? null : kafkaConfig.toString(), "WEFT_KAFKA_CONFIG", null);
    return KafkaConfigFile.read(file == null ? null : Path.of(file));
  }

  /** Serdes that talk to the registry, with the credentials when given. */
  WeftSerdes serdes() {
    return new WeftSerdes(registryClient());
  }

  SchemaRegistryClient registryClient() {
    String user = Environment.or(registryUser, "WEFT_REGISTRY_AUTH", null);
    if (user != null && user.indexOf(':') <= 0) {
      throw new UsageException("--registry-user takes USER:PASSWORD (or WEFT_REGISTRY_AUTH), with a ':' after the user");
    }
    return new SchemaRegistryClient(registry(), Duration.ofSeconds(30), user);
  }
}
