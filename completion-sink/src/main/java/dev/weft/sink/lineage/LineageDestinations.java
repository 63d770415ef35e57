package dev.weft.sink.lineage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.openlineage.client.Clients;
import io.openlineage.client.DefaultConfigPathProvider;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.OpenLineageClientUtils;
import io.openlineage.client.OpenLineageConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where lineage goes, and the OpenLineage client that sends it there. Weft configures the client only through the
 * client's own configuration (its transport config: the same keys as {@code openlineage.yml}), so every transport and
 * option the client has works, and Marquez or any OpenLineage consumer can read what it sends. In order:
 * <ol>
 *   <li>{@code --lineage} ({@code WEFT_LINEAGE}), when given:
 *     <ul>
 *       <li>{@code off}: no lineage;</li>
 *       <li>{@code http://HOST:PORT} or {@code https://...}: the HTTP transport (e.g. Marquez; the client posts to
 *           {@code /api/v1/lineage});</li>
 *       <li>{@code kafka://BOOTSTRAP/TOPIC}: the Kafka transport, keyed by job as the client does;</li>
 *       <li>a file ending {@code .yml}, {@code .yaml} or {@code .json}: an OpenLineage client config file;</li>
 *       <li>any other path: the file transport, one JSON event per line, at that path.</li>
 *     </ul></li>
 *   <li>Otherwise, when the client's own configuration is present ({@code OPENLINEAGE_CONFIG}, {@code
 *       ./openlineage.yml}, {@code ~/.openlineage/openlineage.yml}, {@code OPENLINEAGE_URL}, {@code
 *       OPENLINEAGE__TRANSPORT__...}, {@code OPENLINEAGE_DISABLED}): that, exactly as any OpenLineage integration
 *       reads it.</li>
 *   <li>Otherwise the file transport at the default file ({@code <data dir>/lineage/lineage.jsonl}).</li>
 * </ol>
 */
public final class LineageDestinations {
  public static final String OFF = "off";
  private static final ObjectMapper JSON = new ObjectMapper();

  private LineageDestinations() {}

  /** A client and a sentence saying where it sends events. */
  public record Destination(OpenLineageClient client, String description) {}

  /**
   * @param given       {@code --lineage}, or null
   * @param defaultFile the file transport's file when nothing else is configured
   * @return the destination, or null for {@code off}
   * @throws IllegalArgumentException when {@code given} is none of the forms above, or its config file does not read
   */
  public static Destination open(String given, Path defaultFile) {
    if (given == null || given.isBlank()) {
      if (clientConfigured()) return new Destination(Clients.newClient(), "the OpenLineage client's own configuration");
      return file(defaultFile);
    }
    String v = given.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    if (lower.equals(OFF)) return null;
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      return fromTransport(Map.of("type", "http", "url", v), "OpenLineage HTTP at " + v);
    }
    if (lower.startsWith("kafka://")) return kafka(v);
    if (lower.endsWith(".yml") || lower.endsWith(".yaml") || lower.endsWith(".json")) return configFile(Path.of(v));
    if (v.contains("://")) {
      throw new IllegalArgumentException("'" + v + "' is not a lineage destination: give http(s)://HOST:PORT,"
          + " kafka://BOOTSTRAP/TOPIC, an OpenLineage config file (.yml), a file path, or off");
    }
    return file(Path.of(v));
  }

  private static Destination file(Path file) {
    Path f = file.toAbsolutePath().normalize();
    try {
      Files.createDirectories(f.getParent());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot create " + f.getParent() + " for the lineage file: " + e.getMessage(), e);
    }
    return fromTransport(Map.of("type", "file", "location", f.toString()), "the file " + f);
  }

  private static Destination kafka(String v) {
    URI uri = URI.create(v);
    String topic = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
    if (uri.getAuthority() == null || topic.isEmpty()) {
      throw new IllegalArgumentException("'" + v + "': write the Kafka destination as kafka://BOOTSTRAP/TOPIC,"
          + " e.g. kafka://localhost:9092/openlineage");
    }
    Map<String, Object> props = new LinkedHashMap<>();
    props.put("bootstrap.servers", uri.getAuthority());
    props.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    props.put("acks", "all");
    return fromTransport(Map.of("type", "kafka", "topicName", topic, "properties", props),
        "OpenLineage on Kafka topic " + topic + " at " + uri.getAuthority());
  }

  private static Destination configFile(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      OpenLineageConfig<?> config = OpenLineageClientUtils.loadOpenLineageConfigYaml(in,
          new TypeReference<OpenLineageConfig<?>>() {});
      return new Destination(Clients.newClient(config), "the OpenLineage config file " + file.toAbsolutePath());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read the OpenLineage config file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Through the client's own config parser, as if {@code transport:} had been written in openlineage.yml. */
  private static Destination fromTransport(Map<String, Object> transport, String description) {
    try {
      byte[] json = JSON.writeValueAsBytes(Map.of("transport", transport));
      OpenLineageConfig<?> config = OpenLineageClientUtils.loadOpenLineageConfigJson(new ByteArrayInputStream(json),
          new TypeReference<OpenLineageConfig<?>>() {});
      return new Destination(Clients.newClient(config), description);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot configure lineage for " + description + ": " + e.getMessage(), e);
    }
  }

  /** Whether the OpenLineage client would find a configuration of its own, as {@code Clients.newClient()} looks. */
  static boolean clientConfigured() {
    for (Map.Entry<String, String> e : System.getenv().entrySet()) {
      String k = e.getKey();
      if ((k.equals("OPENLINEAGE_CONFIG") || k.equals("OPENLINEAGE_URL") || k.equals("OPENLINEAGE_DISABLED")
          || k.startsWith("OPENLINEAGE__")) && !e.getValue().isBlank()) {
        return true;
      }
    }
    return new DefaultConfigPathProvider().getPaths().stream().anyMatch(Files::isRegularFile);
  }
}
