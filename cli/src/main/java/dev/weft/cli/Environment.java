package dev.weft.cli;

/**
 * An option's environment fallback: the option when given, else the environment variable when set and not blank,
 * else the default. (picocli's {@code ${env:...}} defaults would take a variable set to "" as the value.)
 */
final class Environment {
  private Environment() {}

  static String or(String given, String variable, String dflt) {
    if (given != null) return given;
    String env = System.getenv(variable);
    return env != null && !env.isBlank() ? env : dflt;
  }
}
