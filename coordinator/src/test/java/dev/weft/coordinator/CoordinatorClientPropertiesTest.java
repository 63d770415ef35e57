package dev.weft.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.topics.BrokerTimeouts;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The deployment's Kafka client settings ({@code weft coordinator --kafka-config}) reach the Streams clients. */
class CoordinatorClientPropertiesTest {

  @Test
  void shouldApplyTheClientPropertiesOverWeftsOwnSettings() {
    CoordinatorConfig config = CoordinatorConfig.defaults("broker:9093", Path.of("state"))
        .withClientProperties(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
            StreamsConfig.producerPrefix("linger.ms"), 7));

    Properties p = Coordinator.properties(config, "instance-1", null);

    assertThat(p).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
        .containsEntry(StreamsConfig.producerPrefix("linger.ms"), 7)
        .containsEntry(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9093");
  }

  @Test
  void shouldGiveEveryClientTheShortRequestTimeoutAndTheProducerTheLongerTransactionTimeout() {
    StreamsConfig streams = new StreamsConfig(Coordinator.properties(
        CoordinatorConfig.defaults("b:9092", Path.of("s")), "instance-1", null));

    assertThat(streams.getProducerConfigs("p")).containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS)
        .containsEntry("transaction.timeout.ms", Coordinator.TRANSACTION_TIMEOUT_MS);
    assertThat(streams.getMainConsumerConfigs("g", "c", 0))
        .containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS);
    assertThat(streams.getRestoreConsumerConfigs("c")).containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS);
    assertThat(streams.getAdminConfigs("a")).containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS);
    // A commit must outlast a broker's crash (its partitions move after 9-10 s) plus the wait to notice it.
    assertThat(Coordinator.TRANSACTION_TIMEOUT_MS).isGreaterThan(10_000 + BrokerTimeouts.REQUEST_TIMEOUT_MS);
  }

  @Test
  void shouldKeepTheSettingsThroughEveryWither() {
    CoordinatorConfig config = CoordinatorConfig.defaults("b:9092", Path.of("s"))
        .withClientProperties(Map.of("security.protocol", "SSL"))
        .withApiPort(0).withApplicationId("a").withStreamThreads(2).withInstanceId("i-1").withStandbyReplicas(1);

    assertThat(config.clientProperties()).containsEntry("security.protocol", "SSL");
    assertThat(CoordinatorConfig.defaults("b:9092", Path.of("s")).clientProperties()).isEmpty();
  }
}
