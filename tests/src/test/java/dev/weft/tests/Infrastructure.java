package dev.weft.tests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A broker and a registry as their own JVM, {@code weft dev --only broker,registry} on a data directory, for a
 * {@link ProcessWeft} that must not share the suite's broker (a test that stops or kills the broker itself).
 *
 * @param process the {@code weft dev} JVM: {@link ServiceProcess#terminate} stops both, {@link ServiceProcess#kill}
 *     crashes it (the broker and registry then stop through their watchdogs)
 */
public record Infrastructure(ServiceProcess process, String bootstrapServers, String registryUrl) {
  static final Duration START_TIMEOUT = Duration.ofMinutes(4);
  static final Pattern BROKER = Pattern.compile("^\\s*broker\\s+(\\S+)");
  static final Pattern REGISTRY = Pattern.compile("^\\s*schema registry\\s+(\\S+)");

  /** Starts it on free ports, its data and log in {@code dir}, and waits until it prints its addresses. */
  public static Infrastructure start(Path dir) throws InterruptedException {
    ServiceProcess p = ServiceProcess.start("weft-dev-only", List.of("dev", "--only", "broker,registry",
        "--data-dir", dir.resolve("dev").toString(), "--port", "0", "--registry-port", "0"), dir.resolve("dev.log"));
    try {
      return of(p);
    } catch (AssertionError | RuntimeException e) {
      p.stopQuietly();
      throw e;
    }
  }

  /** Waits until a {@code weft dev} process says it runs, and reads the addresses it printed. */
  static Infrastructure of(ServiceProcess dev) throws InterruptedException {
    dev.awaitLine(Pattern.compile("Weft is running"), START_TIMEOUT);
    return new Infrastructure(dev, dev.awaitLine(BROKER, Duration.ofSeconds(5)).group(1),
        dev.awaitLine(REGISTRY, Duration.ofSeconds(5)).group(1));
  }
}
