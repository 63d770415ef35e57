package dev.weft.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * A small client for the Confluent Schema Registry REST API, which Confluent SR, Apicurio ({@code /apis/ccompat/v7}),
 * Karapace and Redpanda all speak. Confluent's own client is not on Maven Central, hence this one.
 *
 * <p>Both directions are cached for the life of the client: a registered (subject, schema) and a fetched id each cost
 * one request, because ids are immutable in the registry and the serde sits on the hot path.
 */
public final class SchemaRegistryClient implements SchemaLookup {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Registration(String subject, Schema schema) {}

  private final String baseUrl;
  private HttpClient http;
  private final Duration requestTimeout;
  /** The {@code Authorization} header sent with every request, or null for none. */
  private final String authorization;
  private final Map<Registration, Integer> registered = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  /** @param baseUrl e.g. {@code http://127.0.0.1:8081} (Confluent) or {@code http://127.0.0.1:8081/apis/ccompat/v7} */
  public SchemaRegistryClient(String baseUrl) {
    this(baseUrl, Duration.ofSeconds(30));
  }

  public SchemaRegistryClient(String baseUrl, Duration requestTimeout) {
    this(baseUrl, requestTimeout, null);
  }

  /**
   * @param userInfo {@code USER:PASSWORD} for HTTP basic authentication (Confluent's {@code basic.auth.user.info}),
   *     or null when the registry is open
   */
  public SchemaRegistryClient(String baseUrl, Duration requestTimeout, String userInfo) {
    if (userInfo != null && !userInfo.contains(":")) {
      throw new IllegalArgumentException("registry credentials are USER:PASSWORD; there is no ':' in what was given");
    }
    this.authorization = userInfo == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    if (baseUrl == null || baseUrl.isBlank()) {
      throw new IllegalArgumentException("schema registry URL is empty; give e.g. http://127.0.0.1:8081/apis/ccompat/v7");
    }
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.requestTimeout = requestTimeout;
  }

  /**
   * Built on first use: a serde whose schemas are all known never asks, and a JDK 17 HttpClient keeps a selector
   * thread in native code for the JVM's life, which a JVM that exits waits 300 ms for (`weft run`, 2026-12-02).
   */
  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1).build();
    }
    return http;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /**
   * {@code POST /subjects/{subject}/versions}. Registering a schema the subject already has returns its existing id.
   *
   * @throws SchemaRegistryException when the registry is unreachable or refuses the schema (e.g. incompatible)
   */
  @Override
  public int register(String subject, Schema schema) {
    Registration key = new Registration(subject, schema);
    Integer cached = registered.get(key);
    if (cached != null) return cached;
    String url = baseUrl + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
        + "/versions";
    String body;
    try {
      body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
    } catch (IOException e) {
      throw new IllegalStateException("could not write the registration request as JSON", e);
    }
    HttpRequest request = request(url)
        .header("Content-Type", CONTENT_TYPE)
        .header("Accept", CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    HttpResponse<String> response = send(request, "POST");
    if (response.statusCode() / 100 != 2) {
      throw new SchemaRegistryException("schema registry refused to register " + schema.getFullName()
          + " under subject '" + subject + "': POST " + url + " answered HTTP " + response.statusCode() + ": "
          + cap(response.body()) + (response.statusCode() == 409
              ? ". The schema is incompatible with the subject's latest version; make the change additive"
                  + " (new fields need defaults) or change the subject's compatibility level"
              : ". Is the schema registry running at " + baseUrl + "?"));
    }
    int id = readJson(response, url, "POST").path("id").asInt(-1);
    if (id < 0) {
      throw new SchemaRegistryException("POST " + url + " answered HTTP " + response.statusCode()
          + " without an integer 'id': " + cap(response.body()) + ". Is " + baseUrl
          + " a Confluent-compatible schema registry API (for Apicurio: .../apis/ccompat/v7)?");
    }
    registered.put(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  /**
   * {@code GET /schemas/ids/{id}}.
   *
   * @throws SerializationException when the registry has no schema with this id (the record refers to an unknown id)
   * @throws SchemaRegistryException when the registry is unreachable or answers with another error
   */
  @Override
  public Schema getById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) return cached;
    String url = baseUrl + "/schemas/ids/" + id;
    HttpRequest request = request(url)
        .header("Accept", CONTENT_TYPE)
        .GET()
        .build();
    HttpResponse<String> response = send(request, "GET");
    if (response.statusCode() == 404) {
      throw new SerializationException("schema id " + id + " is unknown to the schema registry: GET " + url
          + " answered HTTP 404: " + cap(response.body()) + ". The record was written against another registry,"
          + " or the registry lost its data (for the embedded registry, keep its data directory)");
    }
    if (response.statusCode() / 100 != 2) {
      throw new SchemaRegistryException("GET " + url + " answered HTTP " + response.statusCode() + ": "
          + cap(response.body()) + ". Is the schema registry running at " + baseUrl + "?");
    }
    String text = readJson(response, url, "GET").path("schema").asText(null);
    if (text == null) {
      throw new SchemaRegistryException("GET " + url + " answered without a 'schema' field: " + cap(response.body()));
    }
    Schema schema;
    try {
      schema = new Schema.Parser().parse(text);
    } catch (SchemaParseException e) {
      throw new SerializationException("schema id " + id + " from " + url + " is not a valid Avro schema: "
          + e.getMessage(), e);
    }
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  private HttpRequest.Builder request(String url) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout);
    return authorization == null ? b : b.header("Authorization", authorization);
  }

  private HttpResponse<String> send(HttpRequest request, String method) {
    try {
      return http().send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SchemaRegistryException(method + " " + request.uri() + " failed: " + e
          + ". Is the schema registry running at " + baseUrl + "?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(method + " " + request.uri() + " was interrupted", e);
    }
  }

  private JsonNode readJson(HttpResponse<String> response, String url, String method) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new SchemaRegistryException(method + " " + url + " answered HTTP " + response.statusCode()
          + " with a body that is not JSON: " + cap(response.body()) + ". Is " + baseUrl
          + " a Confluent-compatible schema registry API (for Apicurio: .../apis/ccompat/v7)?", e);
    }
  }

  private static String cap(String s) {
    if (s == null) return "";
    return s.length() <= 500 ? s : s.substring(0, 500) + "...";
  }
}
