package dev.weft.executor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.serde.WeftSerdes;
import dev.weft.topics.BrokerTimeouts;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** An executor's Kafka clients: how long they wait on a silent broker, and that a deployment's settings win. */
class ClientPropertiesTest {
  // Never contacted: the clients are not built here.
  private static final WeftSerdes SERDES = new WeftSerdes("http://127.0.0.1:1");

  @Test
  void shouldGiveADeadBrokersRequestsUpWellWithinATransactionsTimeout() {
    ExecutorConfig config = ExecutorConfig.builder("b:9092", SERDES.taskCommand(), SERDES.taskEvent()).build();

    Properties producer = ClientProperties.producer(config, "tx");
    Properties consumer = ClientProperties.consumer(config, "g", "tx");

    assertThat(producer).containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS);
    assertThat(consumer).containsEntry("request.timeout.ms", BrokerTimeouts.REQUEST_TIMEOUT_MS);
    // A commit must outlast a broker's crash: its partitions move 9-10 s after it, and a request in flight to it is
    // given up within BrokerTimeouts.REQUEST_TIMEOUT_MS of the crash, so the commit ends by about 11 s.
    assertThat((Integer) producer.get("transaction.timeout.ms"))
        .isGreaterThanOrEqualTo(10_000 + BrokerTimeouts.REQUEST_TIMEOUT_MS);
  }

  @Test
  void shouldLetTheDeploymentsSettingsWin() {
    ExecutorConfig config = ExecutorConfig.builder("b:9092", SERDES.taskCommand(), SERDES.taskEvent())
        .clientProperty("request.timeout.ms", 30_000).clientProperty("consumer.fetch.max.wait.ms", 200).build();

    assertThat(ClientProperties.producer(config, "tx")).containsEntry("request.timeout.ms", 30_000);
    assertThat(ClientProperties.consumer(config, "g", "tx")).containsEntry("request.timeout.ms", 30_000)
        .containsEntry("fetch.max.wait.ms", 200);
  }
}
