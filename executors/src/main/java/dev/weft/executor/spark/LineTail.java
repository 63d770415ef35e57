package dev.weft.executor.spark;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** The last lines of one output stream, at most {@code maxBytes} UTF-8 bytes in all; safe across threads. */
final class LineTail {
  private final int maxBytes;
  private final Deque<String> lines = new ArrayDeque<>();
  private int bytes;

  LineTail(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  synchronized void add(String line) {
    if (line.length() > maxBytes) line = "..." + line.substring(line.length() - maxBytes / 2);
    int size = line.getBytes(StandardCharsets.UTF_8).length + 1;
    lines.addLast(line);
    bytes += size;
    while (bytes > maxBytes && lines.size() > 1) {
      bytes -= lines.removeFirst().getBytes(StandardCharsets.UTF_8).length + 1;
    }
  }

  synchronized String text() {
    return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
  }
}
