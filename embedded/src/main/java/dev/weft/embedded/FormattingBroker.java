package dev.weft.embedded;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The broker child's main class: formats the storage when it has never been formatted, then runs {@code kafka.Kafka}
 * in the same JVM. Formatting in a JVM of its own, or in the parent, loaded Kafka's server classes a second time
 * before the broker could start: 2.3 s of a new broker's start on two cores (2026-12-02).
 *
 * <p>Arguments: {@code SERVER_PROPERTIES LOG_DIR CLUSTER_ID}; the format is Kafka's own
 * ({@code kafka.tools.StorageTool format --standalone}), exactly as {@code kafka-storage.sh} runs it.
 */
public final class FormattingBroker {
  private FormattingBroker() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: FormattingBroker SERVER_PROPERTIES LOG_DIR CLUSTER_ID; got "
          + Arrays.toString(args));
    }
    try {
      formatIfNew(Path.of(args[0]), Path.of(args[1]), args[2]);
    } catch (IllegalStateException e) {
      // The parent reads this from the log when the broker exits during start-up.
      System.out.println(e.getMessage());
      System.exit(1);
    }
    kafka.Kafka.main(new String[] {args[0]});
  }

  /**
   * Formats {@code logDir} for a standalone KRaft node of {@code clusterId} unless it already holds a formatted
   * storage ({@code meta.properties}).
   *
   * @throws IllegalStateException when Kafka's storage tool fails, with what it said
   */
  static void formatIfNew(Path serverProps, Path logDir, String clusterId) {
    if (Files.exists(logDir.resolve("meta.properties"))) return;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = kafka.tools.StorageTool.execute(new String[] {"format", "--standalone", "-t", clusterId, "-c",
        serverProps.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8));
    if (exit != 0) {
      throw new IllegalStateException("formatting the storage in " + logDir + " failed (exit " + exit + "): "
          + out.toString(StandardCharsets.UTF_8).strip());
    }
  }
}
