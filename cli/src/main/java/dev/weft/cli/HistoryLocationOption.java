package dev.weft.cli;

import dev.weft.sink.HistoryStore;
import dev.weft.sink.HistoryStores;
import picocli.CommandLine.Option;

/**
 * {@code --history} ({@code WEFT_HISTORY}) for the commands that read or write the completion sink's history:
 * {@code s3://bucket/prefix} or a directory, by default {@code weft dev}'s.
 */
final class HistoryLocationOption {
  static final String DEFAULT_LOCATION = ".weft/dev/history";

  @Option(names = "--history", paramLabel = "URI",
      description = "the completion sink's history: s3://bucket/prefix or a directory (env WEFT_HISTORY; default "
          + DEFAULT_LOCATION + ")")
  String history;

  String location() {
    return Environment.or(history, "WEFT_HISTORY", DEFAULT_LOCATION);
  }

  HistoryStore open() {
    try {
      return HistoryStores.open(location());
    } catch (IllegalArgumentException e) {
      throw new UsageException("--history: " + e.getMessage());
    }
  }
}
