package dev.weft.coordinator;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunRequest;
import dev.weft.coordinator.api.CancelRequests;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The API's cancel buttons as records: a CANCEL {@link RunRequest} on the pipeline-requests topic, built as
 * {@code weft cancel} builds it. The coordinator's own fold then decides, like for any other requester; the API never
 * changes state itself. Its producer is made on the first cancel, so an instance nobody cancels from holds none.
 */
final class CancelRequestPublisher implements CancelRequests, AutoCloseable {
  private final String bootstrapServers;
  private final Map<String, Object> clientProperties;
  private final Serializer<RunRequest> serializer;
  private final String topic;
  private KafkaProducer<String, RunRequest> producer;

  CancelRequestPublisher(String bootstrapServers, Map<String, Object> clientProperties,
      Serializer<RunRequest> serializer, String topic) {
    this.bootstrapServers = bootstrapServers;
    this.clientProperties = clientProperties;
    this.serializer = serializer;
    this.topic = topic;
  }

  @Override
  public void cancel(String runId, String taskId, String reason, String requester) {
    RunRequest request = RunRequest.newBuilder().setKind(RequestKind.CANCEL).setRunId(runId)
        .setRequestedAtMs(System.currentTimeMillis()).setRequester(requester).setTaskId(taskId).setReason(reason)
        .build();
    try {
      producer().send(new ProducerRecord<>(topic, runId, request)).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish the cancel request to " + topic + "; try again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing the cancel request", e);
    }
  }

  private synchronized KafkaProducer<String, RunRequest> producer() {
    if (producer == null) {
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
      p.putAll(clientProperties);
      producer = new KafkaProducer<>(p, new StringSerializer(), serializer);
    }
    return producer;
  }

  @Override
  public synchronized void close() {
    if (producer != null) producer.close(java.time.Duration.ofSeconds(5));
  }
}
