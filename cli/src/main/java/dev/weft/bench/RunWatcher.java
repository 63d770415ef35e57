package dev.weft.bench;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows run-events under one prefix (read_committed, as requesters read them) and notes when each run's
 * RunFinished became readable here.
 */
final class RunWatcher implements AutoCloseable {
  /** How a run ended and when (System.nanoTime) its RunFinished was read. */
  record Finished(String status, long readNanos) {}

  private final KafkaConsumer<String, RunEvent> consumer;
  private final Map<String, Finished> finished = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile RuntimeException failure;

  RunWatcher(String bootstrap, WeftSerdes serdes, Topics topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), serdes.runEvent().deserializer());
    List<TopicPartition> parts = consumer.partitionsFor(topics.runEvents(), Duration.ofSeconds(30)).stream()
        .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    thread = new Thread(this::loop, "weft-bench-run-watcher");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(100))) {
          RunEvent e = r.value();
          if (e != null && e.getKind() == RunEventKind.RUN_FINISHED) {
            finished.putIfAbsent(e.getRunId(), new Finished(String.valueOf(e.getRunStatus()), System.nanoTime()));
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Waits until every run has finished, then checks they all succeeded.
   *
   * @return System.nanoTime of the last RunFinished read
   * @throws TimeoutException when some run has not finished in time
   */
  long awaitAll(Collection<String> runIds, Duration timeout) throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (failure != null) throw new IllegalStateException("reading run-events failed: " + failure, failure);
      long missing = runIds.stream().filter(id -> !finished.containsKey(id)).count();
      if (missing == 0) break;
      if (System.nanoTime() > deadline) {
        throw new TimeoutException(missing + " of " + runIds.size() + " runs did not finish within " + timeout);
      }
      Thread.sleep(5);
    }
    long last = Long.MIN_VALUE;
    for (String id : runIds) {
      Finished f = finished.get(id);
      if (!"SUCCEEDED".equals(f.status())) {
        throw new IllegalStateException("run " + id + " ended " + f.status() + "; a noop run must succeed");
      }
      last = Math.max(last, f.readNanos());
    }
    return last;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
