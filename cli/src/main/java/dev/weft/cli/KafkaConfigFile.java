package dev.weft.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * {@code --kafka-config FILE}: Kafka client settings in Java properties format, as Kafka's own tools take them
 * ({@code --command-config}): {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config},
 * {@code ssl.truststore.location}, and anything else the clients accept. Every producer, consumer, admin and Kafka
 * Streams client a command makes gets them, over Weft's own settings.
 */
final class KafkaConfigFile {
  private KafkaConfigFile() {}

  /** @return the file's settings, or none when {@code file} is null */
  static Map<String, Object> read(Path file) {
    if (file == null) return Map.of();
    if (!Files.isRegularFile(file)) throw new UsageException("--kafka-config: no file at " + file.toAbsolutePath());
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new UsageException("--kafka-config: cannot read " + file.toAbsolutePath() + ": " + e.getMessage());
    }
    Map<String, Object> settings = new TreeMap<>();
    p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k).strip()));
    return Map.copyOf(settings);
  }
}
