package dev.weft.executor;

import dev.weft.topics.BrokerTimeouts;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The Kafka client settings of an executor instance, and why each differs from the client's default. */
final class ClientProperties {
  private ClientProperties() {}

  static Properties producer(ExecutorConfig config, String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-producer");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // A send racing the previous transaction's commit markers is retried after this (default 100 ms, which would
    // delay every event behind it); retries still back off exponentially up to retry.backoff.max.ms.
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 5);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
    // A SUCCEEDED event may carry a result of up to 1 MiB (AttemptFiles.MAX_BYTES) beside its log tail.
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    // Short: a transaction left open by a killed instance blocks read_committed readers of task-events until it
    // times out (unless an instance with the same id restarts and fences it first).
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    // Within that timeout a commit rides out a broker's crash: the partitions' new leaders after 9-10 s, and the
    // dead broker's requests given up after BrokerTimeouts.REQUEST_TIMEOUT_MS rather than Kafka's 30 s, past which
    // the broker had aborted the transaction and the producer had to be replaced.
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, BrokerTimeouts.REQUEST_TIMEOUT_MS);
    overrides(config, p, "producer.");
    return p;
  }

  /** As short as the loop's poll timeout; see {@link #consumer}. */
  static final int FETCH_MAX_WAIT_MS = 50;

  static Properties consumer(ExecutorConfig config, String groupId, String transactionalId) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-consumer");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // A command written before this group first joined must still run.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // One transaction per poll: bigger polls amortise its fixed cost (AddOffsetsToTxn, commit markers).
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
    // The consumer sends its next fetch before poll returns. When every slot is taken the loop seeks back, and that
    // fetch, for offsets past every command already written, waits at the broker for fetch.max.wait (500 ms by
    // default) while no further fetch may go out: a freed slot stayed empty that long (weft bench, 2026-12-02: one
    // process executor instance ran `true` at 23 tasks/s with the default, and 43-51 with 50 ms and a cheaper launch
    // that was later reverted; with the guard per task and 50 ms it has not been measured).
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS);
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, BrokerTimeouts.REQUEST_TIMEOUT_MS);
    overrides(config, p, "consumer.");
    return p;
  }

  /** Keys prefixed {@code consumer.} or {@code producer.} go to that client only, others to both. */
  private static void overrides(ExecutorConfig config, Properties p, String prefix) {
    config.clientProperties().forEach((k, v) -> {
      if (k.startsWith(prefix)) p.put(k.substring(prefix.length()), v);
      else if (!k.startsWith("producer.") && !k.startsWith("consumer.")) p.put(k, v);
    });
  }
}
