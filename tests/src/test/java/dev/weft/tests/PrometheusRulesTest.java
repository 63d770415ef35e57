package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The scrape config and alert rules in {@code deploy/prometheus} are valid for Prometheus, and each alert fires on the
 * series it is for and stays quiet on their healthy neighbours ({@code alerts-test.yml}, run by {@code promtool test
 * rules}). Needs Debian's {@code prometheus} package (its {@code promtool}); fails without it.
 */
class PrometheusRulesTest {
  private static final Path DIR = Path.of("..", "deploy", "prometheus").toAbsolutePath().normalize();

  @Test
  void shouldAcceptTheScrapeConfig() throws Exception {
    assertPromtool("check", "config", DIR.resolve("prometheus.yml").toString());
  }

  @Test
  void shouldAcceptTheAlertRules() throws Exception {
    assertPromtool("check", "rules", DIR.resolve("alerts.yml").toString());
  }

  @Test
  void shouldFireEachAlertOnItsSeriesAndNotOnHealthyOnes() throws Exception {
    assertPromtool("test", "rules", DIR.resolve("alerts-test.yml").toString());
  }

  private static void assertPromtool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool %s finished", List.of(args)).isTrue();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), output).isZero();
    assertThat(output).contains("SUCCESS");
  }
}
