package dev.weft.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Memory sizes as Kubernetes and Docker users write them: 256Mi, 1Gi, 512M, 1G, 64k, or plain bytes. */
public final class MemorySize {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(Ki|Mi|Gi|Ti|k|K|M|G|T|b|B)?");

  private MemorySize() {}

  /** @throws IllegalArgumentException when the text is not a size */
  public static long parseBytes(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a memory size; write e.g. 256Mi, 1Gi, 512M");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long mult = switch (unit) {
      case "Ki" -> 1L << 10;
      case "Mi" -> 1L << 20;
      case "Gi" -> 1L << 30;
      case "Ti" -> 1L << 40;
      case "k", "K" -> 1_000L;
      case "M" -> 1_000_000L;
      case "G" -> 1_000_000_000L;
      case "T" -> 1_000_000_000_000L;
      default -> 1L;
    };
    return Math.round(n * mult);
  }
}
