package dev.weft.coordinator.api;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Asks every request to the query API and UI for a token when {@link ApiTokens} has any: 401 without one or with a
 * wrong one, 403 when its scope does not allow the request (a cancel needs {@link ApiScope#OPERATE}, the rest
 * {@link ApiScope#READ}). Bodies say only "unauthorized" or "forbidden": nothing about which tokens exist.
 *
 * <p>A token comes as {@code Authorization: Bearer T} (the CLI, scripts, Prometheus, forwarded queries) or as the
 * {@value #COOKIE} cookie, which the UI gets once: from its login form ({@code POST /login}) or a link with
 * {@code ?token=T}, answered by a redirect to the same page without it, so it leaves the address bar. The cookie is
 * HttpOnly (no script can read it) and SameSite=Strict (no other site's page sends it). The UI's scripts and styles
 * under {@code /ui/} hold no data and are served to anyone, so the login page can be styled.
 */
final class AccessFilter extends Filter {
  static final String COOKIE = "weft_token";
  static final String LOGIN_PATH = "/login";
  private final ApiTokens tokens;

  AccessFilter(ApiTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public String description() {
    return "API tokens";
  }

  @Override
  public void doFilter(HttpExchange ex, Chain chain) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (!tokens.required() || path.startsWith("/ui/")) {
      chain.doFilter(ex);
      return;
    }
    if (path.equals(LOGIN_PATH)) {
      login(ex);
      return;
    }
    String fromLink = queryToken(ex.getRequestURI().getRawQuery());
    if (fromLink != null && isPage(path)) {
      if (tokens.scopeOf(fromLink).isPresent()) {
        String rest = withoutToken(ex.getRequestURI().getRawQuery());
        redirectWithCookie(ex, fromLink, path + (rest.isEmpty() ? "" : "?" + rest));
      } else {
        unauthorized(ex, path);
      }
      return;
    }
    Optional<ApiScope> scope = tokens.scopeOf(presented(ex));
    if (scope.isEmpty()) {
      unauthorized(ex, path);
    } else if (!scope.get().allows(needed(ex, path))) {
      HttpResponses.error(ex, 403, "forbidden");
    } else {
      chain.doFilter(ex);
    }
  }

  private static ApiScope needed(HttpExchange ex, String path) {
    return "POST".equals(ex.getRequestMethod()) && path.startsWith("/api/") ? ApiScope.OPERATE : ApiScope.READ;
  }

  private static boolean isPage(String path) {
    return path.equals("/") || path.equals("/index.html") || path.startsWith("/runs/");
  }

  /** The bearer token, else the UI's cookie, else null. */
  private static String presented(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return auth.substring(7).strip();
    List<String> cookies = ex.getRequestHeaders().get("Cookie");
    if (cookies == null) return null;
    for (String header : cookies) {
      for (String c : header.split(";")) {
        String kv = c.strip();
        if (kv.startsWith(COOKIE + "=")) return kv.substring(COOKIE.length() + 1);
      }
    }
    return null;
  }

  /** {@code POST /login} with the form's {@code token}: a cookie and the run list, or the login page again. */
  private void login(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      loginPage(ex, 200);
      return;
    }
    String token = queryToken(new String(ex.getRequestBody().readNBytes(8 * 1024), StandardCharsets.UTF_8));
    if (token != null && tokens.scopeOf(token).isPresent()) {
      redirectWithCookie(ex, token, "/");
    } else {
      loginPage(ex, 401);
    }
  }

  private static void redirectWithCookie(HttpExchange ex, String token, String location) throws IOException {
    ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
    ex.getResponseHeaders().set("Location", location);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    HttpResponses.send(ex, 303, "text/plain", new byte[0]);
  }

  private static void unauthorized(HttpExchange ex, String path) throws IOException {
    if (isPage(path) && "GET".equals(ex.getRequestMethod())) {
      loginPage(ex, 401);
    } else {
      ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"weft\"");
      HttpResponses.error(ex, 401, "unauthorized");
    }
  }

  private static void loginPage(HttpExchange ex, int status) throws IOException {
    try (InputStream in = AccessFilter.class.getResourceAsStream("/dev/weft/coordinator/ui/login.html")) {
      HttpResponses.send(ex, status, HttpResponses.HTML_TYPE, in.readAllBytes());
    }
  }

  /** The {@code token} parameter of a query string or form body, or null. */
  static String queryToken(String raw) {
    if (raw == null) return null;
    for (String pair : raw.split("&")) {
      if (pair.startsWith("token=")) {
        String v = URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
        return v.isEmpty() ? null : v;
      }
    }
    return null;
  }

  private static String withoutToken(String raw) {
    StringBuilder sb = new StringBuilder();
    for (String pair : raw.split("&")) {
      if (pair.isEmpty() || pair.startsWith("token=")) continue;
      if (sb.length() > 0) sb.append('&');
      sb.append(pair);
    }
    return sb.toString();
  }
}
