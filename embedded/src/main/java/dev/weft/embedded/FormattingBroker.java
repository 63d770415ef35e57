package dev.weft.embedded;

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
    Path serverProps = Path.of(args[0]);
    if (!Files.exists(Path.of(args[1]).resolve("meta.properties"))) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      int exit = kafka.tools.StorageTool.execute(new String[] {"format", "--standalone", "-t", args[2], "-c",
          serverProps.toString()}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
      if (exit != 0) {
        // The parent reads this from the log when the broker exits during start-up.
        System.out.println("formatting the storage in " + args[1] + " failed (exit " + exit + "): "
            + out.toString(StandardCharsets.UTF_8).strip());
        System.exit(exit);
      }
    }
    kafka.Kafka.main(new String[] {serverProps.toString()});
  }
}
