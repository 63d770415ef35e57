package dev.weft.coordinator.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The tokens the query API and UI accept, each with its {@link ApiScope}. {@link #OPEN} (no token at all) asks for
 * none: what {@code weft dev} runs, on loopback only. Tokens are compared in constant time, so response times say
 * nothing about how much of a guess was right.
 */
public final class ApiTokens {
  /** No tokens: every request may read and operate. */
  public static final ApiTokens OPEN = new ApiTokens(Map.of());
  private final Map<String, ApiScope> scopes;

  private ApiTokens(Map<String, ApiScope> scopes) {
    this.scopes = Map.copyOf(scopes);
  }

  /**
   * @param readToken a token that may read, or null
   * @param operateToken a token that may read and cancel, or null
   * @return OPEN when both are null or empty
   */
  public static ApiTokens of(String readToken, String operateToken) {
    Map<String, ApiScope> m = new LinkedHashMap<>();
    if (readToken != null && !readToken.isBlank()) m.put(requireValid(readToken.strip(), "the read token"), ApiScope.READ);
    if (operateToken != null && !operateToken.isBlank()) {
      m.put(requireValid(operateToken.strip(), "the operate token"), ApiScope.OPERATE);
    }
    return new ApiTokens(m);
  }

  /**
   * Reads a token file: one {@code SCOPE TOKEN} per line ({@code read} or {@code operate}); blank lines and lines
   * starting with {@code #} are skipped.
   *
   * @throws IllegalArgumentException on a line that is not one, naming its number (never the token)
   * @throws IOException when the file cannot be read
   */
  public static ApiTokens read(Path file) throws IOException {
    Map<String, ApiScope> m = new LinkedHashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) continue;
      String[] parts = l.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(file + " line " + n + ": expected 'SCOPE TOKEN' (scope read or operate)");
      }
      ApiScope scope;
      try {
        scope = ApiScope.valueOf(parts[0].toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + " line " + n + ": the scope must be read or operate");
      }
      m.put(requireValid(parts[1], file + " line " + n + ": the token"), scope);
    }
    if (m.isEmpty()) throw new IllegalArgumentException(file + " holds no token");
    return new ApiTokens(m);
  }

  private static String requireValid(String token, String what) {
    if (token.length() < 16 || !token.chars().allMatch(c -> c > 32 && c < 127 && c != ';' && c != ',')) {
      throw new IllegalArgumentException(what + " must be at least 16 printable characters without spaces, ';' or ','");
    }
    return token;
  }

  /** @return whether requests need a token */
  public boolean required() {
    return !scopes.isEmpty();
  }

  /** @return the scope of this token, empty when it is none of them */
  public Optional<ApiScope> scopeOf(String token) {
    if (token == null) return Optional.empty();
    byte[] given = token.getBytes(StandardCharsets.UTF_8);
    ApiScope found = null;
    for (Map.Entry<String, ApiScope> e : scopes.entrySet()) {
      // Every token is compared, so the time taken does not say which one matched.
      if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) found = e.getValue();
    }
    return Optional.ofNullable(found);
  }

  /**
   * The token this instance presents when it forwards a query to the instance that owns a run: the instances of one
   * deployment share their tokens, and a forwarded query only reads.
   *
   * @return a token that may read, empty when none is needed
   */
  public Optional<String> forwardingToken() {
    return scopes.entrySet().stream().filter(e -> e.getValue() == ApiScope.READ).map(Map.Entry::getKey).findFirst()
        .or(() -> scopes.keySet().stream().findFirst());
  }

  @Override
  public String toString() {
    return required() ? scopes.size() + " API token(s)" : "no API tokens (open)";
  }
}
