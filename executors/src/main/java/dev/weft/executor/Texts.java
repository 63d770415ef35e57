package dev.weft.executor;

import java.nio.charset.StandardCharsets;

/**
 * Caps text that goes into task events. Like Zeebe's {@code limitString}, but counted in UTF-8 bytes because the
 * limit protects the size of a Kafka record, and with a choice of end: a reason keeps its beginning (what failed),
 * a log tail keeps its end (the last lines are the ones that explain a failure).
 */
public final class Texts {
  /** Cap of {@code reason} in task events. */
  public static final int MAX_REASON_BYTES = 1024;
  /** Cap of {@code logTail} in task events. */
  public static final int MAX_LOG_TAIL_BYTES = 8 * 1024;

  private static final String ELLIPSIS = "...";

  private Texts() {}

  /** The beginning of {@code text} in at most {@code maxBytes} UTF-8 bytes, marked with "..." when cut; null stays null. */
  public static String head(String text, int maxBytes) {
    if (text == null || utf8Length(text) <= maxBytes) return text;
    int budget = maxBytes - ELLIPSIS.length();
    int bytes = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int len = utf8Length(cp);
      if (bytes + len > budget) break;
      bytes += len;
      end += Character.charCount(cp);
    }
    return text.substring(0, end) + ELLIPSIS;
  }

  /** The end of {@code text} in at most {@code maxBytes} UTF-8 bytes, marked with "..." when cut; null stays null. */
  public static String tail(String text, int maxBytes) {
    if (text == null || utf8Length(text) <= maxBytes) return text;
    int budget = maxBytes - ELLIPSIS.length();
    int bytes = 0;
    int start = text.length();
    while (start > 0) {
      int cp = text.codePointBefore(start);
      int len = utf8Length(cp);
      if (bytes + len > budget) break;
      bytes += len;
      start -= Character.charCount(cp);
    }
    return ELLIPSIS + text.substring(start);
  }

  static int utf8Length(String s) {
    // Fast path: ASCII-only strings (the common case) are as long in bytes as in chars.
    int n = s.length();
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) return s.getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  private static int utf8Length(int codePoint) {
    if (codePoint < 0x80) return 1;
    if (codePoint < 0x800) return 2;
    if (codePoint < 0x10000) return 3;
    return 4;
  }
}
