package dev.weft.executor;

import dev.weft.topics.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * An executor runtime's metrics, tagged with its executor kind: what it read, launched, skipped and refused, the
 * attempts it runs now, its transactions, dead letters by reason, and its Kafka clients' own metrics. The counters
 * are {@link ExecutorCounters}' own, read at scrape time, so the runtime's loop pays nothing for them.
 */
final class ExecutorMetrics {
  private final MeterRegistry registry;
  private final Tags tags;
  private KafkaClientMetrics consumerMetrics;
  private KafkaClientMetrics producerMetrics;

  ExecutorMetrics(ExecutorRuntime runtime, String executor, MeterRegistry registry) {
    this.registry = registry;
    this.tags = Tags.of("executor", executor);
    ExecutorCounters c = runtime.counters();
    counter("weft.executor.commands", "Commands read: RUN, CANCEL and records that did not decode", c, ExecutorCounters::commands);
    counter("weft.executor.attempts.launched", "Attempts handed to the backend", c, ExecutorCounters::launched);
    counter("weft.executor.attempts.adopted", "Attempts taken over after a restart", c, ExecutorCounters::adopted);
    counter("weft.executor.attempts.skipped", "RUNs whose output already existed", c, ExecutorCounters::skipped);
    counter("weft.executor.attempts.refused", "RUNs refused as INVALID_SPEC (bad spec, or outside the policy)", c,
        ExecutorCounters::invalidSpecs);
    counter("weft.executor.launch.failures", "Attempts the backend could not start", c, ExecutorCounters::launchFailures);
    counter("weft.executor.attempts.timed.out", "Attempts stopped by their local timeout", c, ExecutorCounters::timeouts);
    counter("weft.executor.attempts.fenced", "Attempts stopped because their lease ran out", c, ExecutorCounters::fenced);
    counter("weft.executor.duplicates", "RUNs for an attempt already seen here, ignored", c, ExecutorCounters::duplicates);
    counter("weft.executor.transactions", "Transactions committed", c, ExecutorCounters::transactions);
    counter("weft.executor.transactions.aborted", "Transactions that failed; their commands are read again", c,
        ExecutorCounters::abortedTransactions);
    counter("weft.executor.producers.renewed", "Producers replaced after an error state", c,
        ExecutorCounters::producersRenewed);
    Gauge.builder("weft.executor.attempts.running", runtime, ExecutorRuntime::activeCount)
        .description("Attempts running on this instance").tags(tags).register(registry);
  }

  private void counter(String name, String description, ExecutorCounters c, ToDoubleFunction<ExecutorCounters> f) {
    FunctionCounter.builder(name, c, f).description(description).tags(tags).register(registry);
  }

  void deadLettered(DeadLetterReason reason) {
    Counter.builder("weft.dead.letters").description("Records copied to the dead-letter topic, by reason")
        .tag("reason", reason.label()).tag("reporter", "executor").register(registry).increment();
  }

  /** Called on the loop thread only, like every client call. */
  void bindConsumer(Consumer<?, ?> consumer) {
    consumerMetrics = bind(consumerMetrics, new KafkaClientMetrics(consumer, tags));
  }

  /** A renewed producer replaces the old one's metrics. */
  void bindProducer(Producer<?, ?> producer) {
    producerMetrics = bind(producerMetrics, new KafkaClientMetrics(producer, tags));
  }

  void unbindClients() {
    if (consumerMetrics != null) consumerMetrics.close();
    if (producerMetrics != null) producerMetrics.close();
    consumerMetrics = null;
    producerMetrics = null;
  }

  private KafkaClientMetrics bind(KafkaClientMetrics old, KafkaClientMetrics fresh) {
    if (old != null) old.close();
    fresh.bindTo(registry);
    return fresh;
  }
}
