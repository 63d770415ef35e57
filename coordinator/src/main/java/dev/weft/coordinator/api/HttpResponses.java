package dev.weft.coordinator.api;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * How every handler of the query API answers. Each response says what it is and forbids content sniffing and
 * framing; the UI's pages also get a Content-Security-Policy that allows scripts from this server only, so a string
 * that slipped through unescaped still could not run as a script.
 */
final class HttpResponses {
  static final String JSON_TYPE = "application/json";
  static final String HTML_TYPE = "text/html";
  /** Inline styles stay allowed: the graph library sets style attributes on its own elements. */
  static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
      + "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private HttpResponses() {}

  static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  static void send(HttpExchange ex, int status, String type, byte[] bytes) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type + (type.startsWith("text/") || type.equals(JSON_TYPE)
        || type.endsWith("javascript") ? "; charset=utf-8" : ""));
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("X-Frame-Options", "DENY");
    if (type.equals(HTML_TYPE)) ex.getResponseHeaders().set("Content-Security-Policy", PAGE_POLICY);
    if ("HEAD".equals(ex.getRequestMethod())) {
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  static void json(HttpExchange ex, int status, Object value) throws IOException {
    send(ex, status, JSON_TYPE, QueryApi.JSON.writeValueAsString(value));
  }

  static void error(HttpExchange ex, int status, String message) throws IOException {
    json(ex, status, Map.of("error", message));
  }
}
