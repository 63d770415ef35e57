package dev.weft.coordinator.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/schedules}: every schedule, by name (this instance's, and each other instance's asked with
 * {@code ?local=true}); {@code GET /api/schedules/{name}}: one, from the instance that owns it. Schedules are changed
 * only through requests on the log ({@code weft schedule apply|pause|resume|delete}), never here.
 */
final class SchedulesHandler implements HttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulesHandler.class);
  static final String PATH = "/api/schedules";
  private final RunLookup lookup;

  SchedulesHandler(RunLookup lookup) {
    this.lookup = lookup;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    try {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        HttpResponses.error(ex, 405, "use GET; change a schedule with `weft schedule apply|pause|resume|delete`");
        return;
      }
      String rest = path.length() <= PATH.length() ? "" : path.substring(PATH.length() + 1);
      if (rest.isEmpty()) {
        boolean local = "local=true".equals(ex.getRequestURI().getQuery());
        HttpResponses.json(ex, 200, lookup.schedules(local));
        return;
      }
      Optional<ScheduleView> schedule = lookup.schedule(rest);
      if (schedule.isPresent()) HttpResponses.json(ex, 200, schedule.get());
      else HttpResponses.error(ex, 404, "no schedule '" + rest + "' is known to the coordinator");
    } catch (IllegalStateException e) {
      HttpResponses.error(ex, 503, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("query failed: {}", ex.getRequestURI(), e);
      HttpResponses.error(ex, 500, "internal error; see the coordinator's log");
    }
  }
}
