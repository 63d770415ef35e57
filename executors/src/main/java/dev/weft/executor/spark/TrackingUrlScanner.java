package dev.weft.executor.spark;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads spark-submit's output one line at a time for what the executor reports: the tracking URL (Spark UI,
 * YARN), the application id, and the exception line that explains a failure. No I/O; one instance per attempt,
 * because Spark 3.5 names the UI's host and its bound port on two different lines.
 */
public final class TrackingUrlScanner {
  /**
   * Spark 3.5 first logs the host and the port it will try, {@code INFO JettyUtils: Start Jetty 127.0.0.1:4040 for
   * SparkUI}, and, after moving on from a busy port, {@code WARN Utils: Service 'SparkUI' could not bind on port
   * 4040. Attempting port 4041.} and {@code INFO Utils: Successfully started service 'SparkUI' on port 4041.}: the
   * URL is the host of the first line with the port of the last, reported once the UI really listens.
   */
  private static final Pattern JETTY_UI = Pattern.compile("Start Jetty (\\[[^\\]]+\\]|[^\\s:]+):(\\d+) for SparkUI");
  private static final Pattern UI_STARTED = Pattern.compile("Successfully started service 'SparkUI' on port (\\d+)");
  /** Spark 3.0 to 3.4: {@code INFO SparkUI: Bound SparkUI to 0.0.0.0, and started at http://host:4040}. */
  private static final Pattern BOUND_UI = Pattern.compile("Bound SparkUI to \\S+, and started at (https?://\\S+)");
  /** YARN client and cluster mode: {@code tracking URL: http://rm:8088/proxy/application_..._0001/}. */
  private static final Pattern YARN = Pattern.compile("(?i)tracking URL: (https?://\\S+)");
  /**
   * Standalone {@code app-20261123103325-0000}, local {@code local-1795430007223}, YARN
   * {@code application_1795430007223_0001}.
   */
  private static final Pattern APP_ID =
      Pattern.compile("\\b(application_\\d{10,}_\\d{4,}|app-\\d{14}-\\d{4,}|local-\\d{10,})\\b");
  /** What the JVM (and InlineJobRunner) print for an exception that ended {@code main}. */
  private static final Pattern UNCAUGHT = Pattern.compile("Exception in thread \"[^\"]*\" (.+)");
  /** SparkSubmit's own errors before the application starts: {@code Error: Failed to load class com.x.Main.} */
  private static final Pattern SUBMIT_ERROR = Pattern.compile("^Error: (.+)");
  /** Any line that is an exception's first line: {@code org.apache.spark.SparkException: Job aborted ...}. */
  private static final Pattern EXCEPTION =
      Pattern.compile("^(?:Caused by: )?((?:[a-zA-Z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::.*)?)$");

  private String uiHost;

  /** The URL where a person can watch the application, when this line (with the ones before it) announces one. */
  public Optional<String> trackingUrl(String line) {
    Matcher m = JETTY_UI.matcher(line);
    if (m.find()) {
      uiHost = m.group(1);
      return Optional.empty();
    }
    m = UI_STARTED.matcher(line);
    if (m.find()) {
      return uiHost == null ? Optional.empty() : Optional.of("http://" + uiHost + ":" + m.group(1));
    }
    m = BOUND_UI.matcher(line);
    if (m.find()) return Optional.of(m.group(1));
    m = YARN.matcher(line);
    if (m.find()) return Optional.of(m.group(1));
    return Optional.empty();
  }

  /** The Spark application id (local, standalone or YARN) this line names, if any. */
  public static Optional<String> applicationId(String line) {
    Matcher m = APP_ID.matcher(line);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * The failure this line states, if any: {@link Failure#fatal()} for an exception that ended the driver's main
   * thread or a spark-submit error, not fatal for any other exception line (a logged warning may show one and
   * the job still succeed, so a fatal line seen later is the better reason).
   */
  public static Optional<Failure> failure(String line) {
    Matcher m = UNCAUGHT.matcher(line);
    if (m.find()) return Optional.of(new Failure(m.group(1).trim(), true));
    m = SUBMIT_ERROR.matcher(line);
    if (m.find()) return Optional.of(new Failure("spark-submit: " + m.group(1).trim(), true));
    m = EXCEPTION.matcher(line.trim());
    if (m.find()) return Optional.of(new Failure(m.group(1), false));
    return Optional.empty();
  }

  /** An exception line: {@code text} without the thread prefix. */
  public record Failure(String text, boolean fatal) {}
}
