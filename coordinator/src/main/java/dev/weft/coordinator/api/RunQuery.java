package dev.weft.coordinator.api;

import dev.weft.avro.RunStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What the run list asks for: {@code GET /api/runs?limit=N&before=CURSOR&pipeline=P&status=S&requester=R}, every part
 * optional.
 *
 * @param limit at most this many runs, 1 to {@link #MAX_LIMIT}
 * @param before the cursor of the previous page ({@code <acceptedAtMs>/<runId>}), or runs accepted before
 *     {@code <acceptedAtMs>}; null for the newest
 * @param pipeline only runs of this pipeline, or null
 * @param status only runs in this status (a {@link RunStatus} name), or null
 * @param requester only runs submitted by this requester (the UI calls it the tenant), or null; the index does not
 *     hold it, so each candidate's run header is read to check it
 */
public record RunQuery(int limit, String before, String pipeline, String status, String requester) {
  public static final int DEFAULT_LIMIT = 200;
  public static final int MAX_LIMIT = 1_000;
  public static final RunQuery NEWEST = new RunQuery(DEFAULT_LIMIT, null, null, null, null);

  public RunQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", was " + limit);
    }
    if (status != null) {
      try {
        status = RunStatus.valueOf(status.toUpperCase(Locale.ROOT)).name();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("status '" + status + "' is not a run status; one of "
            + java.util.Arrays.toString(RunStatus.values()));
      }
    }
  }

  /**
   * @param rawQuery the URI's raw query string, or null
   * @throws IllegalArgumentException on an unknown parameter or a bad value, with what was expected
   */
  public static RunQuery parse(String rawQuery) {
    int limit = DEFAULT_LIMIT;
    String before = null;
    String pipeline = null;
    String status = null;
    String requester = null;
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) continue;
        int eq = pair.indexOf('=');
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        if (value.isEmpty()) continue;
        switch (name) {
          case "limit" -> {
            try {
              limit = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("limit must be a number, was '" + value + "'");
            }
          }
          case "before" -> before = value;
          case "pipeline" -> pipeline = value;
          case "status" -> status = value;
          case "requester" -> requester = value;
          default -> throw new IllegalArgumentException("unknown parameter '" + name
              + "'; the run list takes limit, before, pipeline, status and requester");
        }
      }
    }
    return new RunQuery(limit, before, pipeline, status, requester);
  }

  /** The same query from another cursor. */
  public RunQuery before(String cursor) {
    return new RunQuery(limit, cursor, pipeline, status, requester);
  }

  /** This query as a URL query string (without the '?'). */
  public String toQueryString() {
    StringBuilder sb = new StringBuilder("limit=").append(limit);
    if (pipeline != null) sb.append("&pipeline=").append(encode(pipeline));
    if (status != null) sb.append("&status=").append(status);
    if (requester != null) sb.append("&requester=").append(encode(requester));
    if (before != null) sb.append("&before=").append(encode(before));
    return sb.toString();
  }

  private static String encode(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
