package dev.weft.coordinator.api;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The web UI: three static pages ({@code /} the run list, {@code /runs/{id}} one run, {@code /schedules} the
 * schedules, since 2026-12-03) and their scripts and styles
 * under {@code /ui/}, all read from the classpath. The pages carry no data: their scripts read the JSON API and
 * build the DOM with {@code textContent}, so no user-controlled string is ever parsed as HTML. The graph library
 * (Cytoscape.js) comes from its WebJar on the classpath, bundled at build time; nothing is fetched from the internet.
 */
final class UiHandler implements HttpHandler {
  private static final String UI_RESOURCES = "/dev/weft/coordinator/ui/";
  private static final String WEBJAR_POM = "/META-INF/maven/org.webjars.npm/cytoscape/pom.properties";
  static final String GRAPH_LIBRARY_PATH = "/ui/cytoscape.min.js";
  private static final Map<String, String> TYPES = Map.of(
      "html", HttpResponses.HTML_TYPE, "js", "text/javascript", "css", "text/css");
  private final byte[] graphLibrary = graphLibrary();

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
      ex.getResponseHeaders().set("Allow", "GET, HEAD");
      HttpResponses.send(ex, 405, "text/plain", "use GET");
    } else if (path.equals("/") || path.equals("/index.html")) {
      resource(ex, "index.html");
    } else if (path.equals("/schedules")) {
      resource(ex, "schedules.html");
    } else if (path.startsWith("/runs/") && path.length() > "/runs/".length()) {
      resource(ex, "run.html");
    } else if (path.equals(GRAPH_LIBRARY_PATH)) {
      ex.getResponseHeaders().set("Cache-Control", "max-age=86400");
      HttpResponses.send(ex, 200, "text/javascript", graphLibrary);
    } else if (path.startsWith("/ui/") && path.substring(4).matches("[a-z-]+\\.(js|css)")) {
      resource(ex, path.substring(4));
    } else {
      HttpResponses.send(ex, 404, "text/plain", "not found");
    }
  }

  private static void resource(HttpExchange ex, String name) throws IOException {
    try (InputStream in = UiHandler.class.getResourceAsStream(UI_RESOURCES + name)) {
      if (in == null) {
        HttpResponses.send(ex, 404, "text/plain", "not found");
        return;
      }
      HttpResponses.send(ex, 200, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), in.readAllBytes());
    }
  }

  /** The WebJar's minified Cytoscape.js, found by the version its own pom.properties names. */
  private static byte[] graphLibrary() {
    try (InputStream pom = UiHandler.class.getResourceAsStream(WEBJAR_POM)) {
      if (pom == null) throw new IllegalStateException("the cytoscape WebJar is not on the classpath");
      Properties p = new Properties();
      p.load(pom);
      String js = "/META-INF/resources/webjars/cytoscape/" + p.getProperty("version") + "/dist/cytoscape.min.js";
      try (InputStream in = UiHandler.class.getResourceAsStream(js)) {
        if (in == null) throw new IllegalStateException("the cytoscape WebJar has no " + js);
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
