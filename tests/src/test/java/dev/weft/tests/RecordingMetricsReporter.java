package dev.weft.tests;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricsReporter;

/**
 * A Kafka metrics reporter that keeps the configuration each client hands it: every client kind loads
 * {@code metric.reporters} with its own settings, so a {@code --kafka-config} naming this class shows which clients
 * a command made with the file's settings.
 */
public final class RecordingMetricsReporter implements MetricsReporter {
  static final List<Map<String, ?>> CONFIGURED = new CopyOnWriteArrayList<>();

  @Override
  public void configure(Map<String, ?> configs) {
    CONFIGURED.add(Map.copyOf(configs));
  }

  @Override
  public void init(List<KafkaMetric> metrics) {}

  @Override
  public void metricChange(KafkaMetric metric) {}

  @Override
  public void metricRemoval(KafkaMetric metric) {}

  @Override
  public void close() {}
}
