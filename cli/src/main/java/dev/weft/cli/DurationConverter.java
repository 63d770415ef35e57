package dev.weft.cli;

import dev.weft.spec.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Durations as pipeline specs write them ({@code 30s}, {@code 12h}, {@code 7d}) or ISO-8601 ({@code PT30S}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    Duration d;
    try {
      d = Durations.parse(value);
    } catch (RuntimeException e) {
      d = null;
    }
    if (d == null || d.isNegative()) {
      throw new CommandLine.TypeConversionException("takes a duration like 30s, 12h, 7d or P7D, not '" + value + "'");
    }
    return d;
  }
}
