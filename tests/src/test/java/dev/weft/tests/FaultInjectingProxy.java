package dev.weft.tests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy on loopback in front of a real endpoint that answers chosen calls with the failures AWS gives under
 * load: throttling (429 {@code TooManyRequestsException}) and server errors (500 {@code ServerException}), before or
 * after forwarding the call. "After" is the case that matters for SubmitJob: the job exists, the caller sees a
 * failure. Faults are planned per path ({@code /v1/submitjob}) as a list consumed one call at a time; a call with no
 * fault left is forwarded as it is.
 */
final class FaultInjectingProxy implements AutoCloseable {
  /** What to do with one call. */
  enum Fault {
    /** 429 without forwarding: the call had no effect. */
    THROTTLE,
    /** 500 without forwarding. */
    SERVER_ERROR,
    /** Forward, then answer 500: the call took effect, the caller cannot know. */
    SERVER_ERROR_AFTER_FORWARDING
  }

  private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

  private final URI target;
  private final HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, List<Fault>> plan = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

  FaultInjectingProxy(URI target) throws IOException {
    this.target = target;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "fault-proxy");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** The next calls to {@code path} get these faults, in order. */
  void plan(String path, Fault... faults) {
    plan.put(path, new java.util.concurrent.CopyOnWriteArrayList<>(List.of(faults)));
  }

  /** Calls that reached the proxy for the path, faulty or not. */
  int calls(String path) {
    AtomicInteger n = calls.get(path);
    return n == null ? 0 : n.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    Fault fault = nextFault(path);
    byte[] body = ex.getRequestBody().readAllBytes();
    try {
      if (fault == Fault.THROTTLE) {
        answer(ex, 429, "TooManyRequestsException", "Too Many Requests (injected)");
        return;
      }
      if (fault == Fault.SERVER_ERROR) {
        answer(ex, 500, "ServerException", "injected server error");
        return;
      }
      HttpResponse<byte[]> r = forward(ex, body);
      if (fault == Fault.SERVER_ERROR_AFTER_FORWARDING) {
        answer(ex, 500, "ServerException", "injected server error after the call took effect");
        return;
      }
      r.headers().firstValue("content-type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
      ex.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(r.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      answer(ex, 500, "ServerException", "proxy interrupted");
    } finally {
      ex.close();
    }
  }

  private Fault nextFault(String path) {
    List<Fault> faults = plan.get(path);
    if (faults == null) return null;
    synchronized (faults) {
      return faults.isEmpty() ? null : faults.remove(0);
    }
  }

  private HttpResponse<byte[]> forward(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(target.resolve(ex.getRequestURI().toString()))
        .timeout(Duration.ofSeconds(30))
        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders().forEach((name, values) -> {
      if (!RESTRICTED.contains(name.toLowerCase())) values.forEach(v -> b.header(name, v));
    });
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void answer(HttpExchange ex, int status, String type, String message) throws IOException {
    byte[] body = ("{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.getResponseHeaders().add("x-amzn-ErrorType", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
