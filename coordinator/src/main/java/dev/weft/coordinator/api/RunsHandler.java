package dev.weft.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /api/runs}: {@code GET /api/runs} (a page of the run index, {@link RunQuery}), {@code GET /api/runs/{id}}
 * (a run with its tasks) and {@code POST /api/runs/{id}/cancel} (body {@code {"task": T, "reason": R}}, both
 * optional), which publishes a cancel request and answers 202.
 *
 * <p>A cancel must carry {@code Content-Type: application/json}: a page on another site can only send one with a
 * CORS preflight, which this server never grants, so no other site can make a visitor's browser cancel a run.
 */
final class RunsHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RunsHandler.class);
  private static final String PREFIX = "/api/runs/";
  private static final String CANCEL_SUFFIX = "/cancel";
  private final RunLookup lookup;
  private final CancelRequests cancels;

  RunsHandler(RunLookup lookup, CancelRequests cancels) {
    this.lookup = lookup;
    this.cancels = cancels;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String rest = path.length() > PREFIX.length() ? path.substring(PREFIX.length()) : null;
      if (rest != null && rest.endsWith(CANCEL_SUFFIX)) {
        cancel(ex, rest.substring(0, rest.length() - CANCEL_SUFFIX.length()));
      } else if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        HttpResponses.error(ex, 405, "use GET; cancel with POST /api/runs/{id}/cancel");
      } else if (rest == null) {
        list(ex);
      } else {
        one(ex, rest);
      }
    } catch (IllegalStateException e) {
      HttpResponses.error(ex, 503, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("query failed: {}", ex.getRequestURI(), e);
      HttpResponses.error(ex, 500, "internal error; see the coordinator's log");
    }
  }

  private void list(HttpExchange ex) throws IOException {
    RunQuery query;
    RunPage page;
    try {
      query = RunQuery.parse(ex.getRequestURI().getRawQuery());
      page = lookup.runs(query);
    } catch (IllegalArgumentException e) {
      HttpResponses.error(ex, 400, e.getMessage());
      return;
    }
    if (page.nextBefore() != null) {
      ex.getResponseHeaders().set(QueryApi.NEXT_BEFORE_HEADER, page.nextBefore());
      ex.getResponseHeaders().set("Link", "</api/runs?" + query.before(page.nextBefore()).toQueryString()
          + ">; rel=\"next\"");
    }
    HttpResponses.json(ex, 200, page.runs());
  }

  private void one(HttpExchange ex, String id) throws IOException {
    Optional<RunView> run = lookup.run(id);
    if (run.isPresent()) {
      HttpResponses.json(ex, 200, run.get());
    } else {
      HttpResponses.error(ex, 404, "no run '" + id + "' is known to the coordinator; check the run id, or whether "
          + "its request was rejected");
    }
  }

  private void cancel(HttpExchange ex, String runId) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "POST");
      HttpResponses.error(ex, 405, "cancel with POST");
      return;
    }
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith(HttpResponses.JSON_TYPE)) {
      HttpResponses.error(ex, 415, "send the cancel as Content-Type: application/json, body {\"task\": ..., "
          + "\"reason\": ...} (both optional)");
      return;
    }
    JsonNode body;
    try {
      byte[] bytes = ex.getRequestBody().readNBytes(64 * 1024);
      body = bytes.length == 0 ? QueryApi.JSON.createObjectNode() : QueryApi.JSON.readTree(bytes);
    } catch (IOException e) {
      HttpResponses.error(ex, 400, "the body is not JSON");
      return;
    }
    if (body == null || !body.isObject()) {
      HttpResponses.error(ex, 400, "the body must be a JSON object");
      return;
    }
    String task = text(body, "task");
    String reason = text(body, "reason");
    if (lookup.run(runId).isEmpty()) {
      HttpResponses.error(ex, 404, "no run '" + runId + "' is known to the coordinator");
      return;
    }
    cancels.cancel(runId, task, reason == null ? "cancelled from the web UI" : reason, "weft-ui");
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("runId", runId);
    if (task != null) answer.put("task", task);
    answer.put("status", "cancel requested");
    HttpResponses.json(ex, 202, answer);
  }

  private static String text(JsonNode body, String field) {
    JsonNode n = body.get(field);
    return n == null || n.isNull() || n.asText().isEmpty() ? null : n.asText();
  }
}
