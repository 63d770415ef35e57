package dev.weft.coordinator.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET /api/backfills/{id}}: a backfill's progress and each value's run, from the instance that owns it. */
final class BackfillsHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(BackfillsHandler.class);
  private static final String PREFIX = "/api/backfills/";
  private final RunLookup lookup;

  BackfillsHandler(RunLookup lookup) {
    this.lookup = lookup;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String id = ex.getRequestURI().getPath().substring(PREFIX.length());
    try {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        HttpResponses.error(ex, 405, "use GET; cancel a backfill with `weft backfill cancel ID`");
        return;
      }
      Optional<BackfillView> backfill = lookup.backfill(id);
      if (backfill.isPresent()) HttpResponses.json(ex, 200, backfill.get());
      else HttpResponses.error(ex, 404, "no backfill '" + id + "' is known to the coordinator");
    } catch (IllegalStateException e) {
      HttpResponses.error(ex, 503, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("query failed: {}", ex.getRequestURI(), e);
      HttpResponses.error(ex, 500, "internal error; see the coordinator's log");
    }
  }
}
