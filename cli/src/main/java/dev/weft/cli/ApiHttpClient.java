package dev.weft.cli;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The HTTP client of the commands that call the coordinator's API ({@code status}, {@code schedule},
 * {@code backfill}), built when the first of them calls: picocli loads every command's class for each command, and a
 * JDK 17 HttpClient keeps a selector thread in native code for the JVM's life, which a JVM that exits waits 300 ms
 * for. Two clients made at class loading cost every `weft run` that much at its exit (2026-12-02).
 */
final class ApiHttpClient {
  private ApiHttpClient() {}

  static HttpClient get() {
    return Holder.CLIENT;
  }

  private static final class Holder {
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }
}
