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

  /**
   * A whole number from the option or its variable ({@code 1_000} reads as 1000), or {@code dflt} when neither is set.
   *
   * @param option the option's name, for the usage error a value that is not a number gets
   * @param unit   what the number counts ("attempts"), for that error
   */
  static int integerOr(Integer given, String variable, String option, String unit, int dflt) {
    String v = or(given == null ? null : given.toString(), variable, null);
    if (v == null) return dflt;
    try {
      return Integer.parseInt(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new UsageException(option + " takes a number of " + unit + ", not '" + v + "'");
    }
  }
}
