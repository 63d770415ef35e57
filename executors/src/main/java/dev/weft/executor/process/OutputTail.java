package dev.weft.executor.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last few KiB of a process's stdout and stderr, interleaved line by line in the order the lines arrived, plus
 * the last non-blank line of each stream (stderr's last line is usually the error message, so it goes into the
 * failure reason). Memory stays bounded whatever the process prints: old text is dropped, and a line without a
 * newline is cut into pieces of at most {@link #MAX_LINE_CHARS}.
 */
final class OutputTail {
  static final int MAX_LINE_CHARS = 4096;

  private final int capacityChars;
  private final StringBuilder text = new StringBuilder();
  private String lastStdout;
  private String lastStderr;

  OutputTail(int capacityChars) {
    this.capacityChars = capacityChars;
  }

  synchronized void append(String line, boolean stderr) {
    text.append(line).append('\n');
    // Trim in steps of half the capacity, so appending stays amortised O(line) instead of shifting on every line.
    if (text.length() > 2 * capacityChars) text.delete(0, text.length() - capacityChars);
    if (!line.isBlank()) {
      if (stderr) lastStderr = line;
      else lastStdout = line;
    }
  }

  /** The tail: at most {@code capacityChars} characters, starting at a line boundary where possible. */
  synchronized String tail() {
    if (text.length() <= capacityChars) return text.toString();
    int start = text.length() - capacityChars;
    int nl = text.indexOf("\n", start);
    if (nl >= 0 && nl + 1 < text.length()) start = nl + 1;
    return text.substring(start);
  }

  /** The last non-blank stderr line, else the last non-blank stdout line, else null. */
  synchronized String lastLine() {
    return lastStderr != null ? lastStderr : lastStdout;
  }

  /**
   * Reads {@code in} to its end, line by line, into this tail. Runs on its own thread per stream, because a process
   * whose pipe is not read blocks once the pipe buffer (64 KiB on Linux) is full.
   */
  void pump(InputStream in, boolean stderr) {
    Lines lines = lines(stderr);
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) lines.feed(buf, 0, n);
    } catch (IOException e) {
      // The stream closes under us when the process is killed; what was read so far is the tail.
    }
    lines.end();
  }

  /** A splitter of one stream's bytes into this tail's lines, fed in chunks as they arrive; one per stream. */
  Lines lines(boolean stderr) {
    return new Lines(stderr);
  }

  final class Lines {
    private final boolean stderr;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    private Lines(boolean stderr) {
      this.stderr = stderr;
    }

    void feed(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        byte b = bytes[i];
        if (b == '\n') {
          emit();
        } else {
          line.write(b);
          if (line.size() >= MAX_LINE_CHARS) emit();
        }
      }
    }

    /** The stream ended: a last line without a newline still counts. */
    void end() {
      if (line.size() > 0) emit();
    }

    private void emit() {
      String s = line.toString(StandardCharsets.UTF_8);
      if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
      append(s, stderr);
      line.reset();
    }
  }
}
