package dev.weft.spec;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A valid schedule's slots: the instants at which its cron expression fires in its time zone. The coordinator steps
 * through them (next slot, latest slot due), the CLI shows them; both call this one class, so they agree.
 *
 * <p><b>Cron.</b> Five fields are Unix cron (minute, hour, day of month, month, day of week); six fields put seconds
 * first, as Spring's cron (cron-utils' {@code SPRING53} definition: {@code *&#47;5 * * * * *} is every five
 * seconds).
 *
 * <p><b>Time zones and daylight saving.</b> A slot is a <em>local</em> time the cron expression matches, in the
 * schedule's zone; cron-utils matches the expression against local date-times (in a zone without daylight saving),
 * and {@code java.time} maps each to an instant. Each local time fires once:
 * <ul>
 *   <li>a local time that happens twice (autumn: 02:30 in Europe/Berlin on the last Sunday of October) fires at its
 *       first occurrence, the earlier offset, and not again an hour later;
 *   <li>a local time that does not happen (spring: 02:30 on the last Sunday of March) fires at the same time shifted
 *       by the gap, 03:30, java.time's rule for a local time in a gap. A daily 02:30 job therefore runs every day,
 *       once, including that one. A slot that falls onto a later slot of the same expression (an hourly job's 02:00
 *       shifted to 03:00) fires once.
 * </ul>
 * So an hourly job in Europe/Berlin runs 23 times on the spring day and 24 times on the autumn day (not 25), as the
 * local clock reads; a schedule that must fire by elapsed time takes timezone {@code UTC}.
 */
public final class CronSchedule {
  /** The names a schedule's params may use, each from the slot in the schedule's time zone. */
  public static final String DATE = "scheduled.date";
  public static final String TIME = "scheduled.time";
  public static final String INSTANT = "scheduled.instant";
  public static final List<String> PARAMS = List.of(DATE, TIME, INSTANT);
  /** At most this many runs of one schedule active at once: its state lists them. */
  public static final int MAX_ACTIVE_RUNS = 100;
  private static final Pattern REFERENCE = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");
  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SECONDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));
  private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final ScheduleSpec spec;
  private final ZoneId zone;
  private final ExecutionTime execution;

  private CronSchedule(ScheduleSpec spec, ZoneId zone, ExecutionTime execution) {
    this.spec = spec;
    this.zone = zone;
    this.execution = execution;
  }

  /**
   * @return the schedule's slots
   * @throws SpecException every problem of the schedule, located under {@code schedule}
   */
  public static CronSchedule of(ScheduleSpec spec) throws SpecException {
    List<SpecProblem> problems = problems(spec, "schedule");
    if (!problems.isEmpty()) throw new SpecException(problems);
    return new CronSchedule(spec, ZoneId.of(spec.timezoneOrDefault()), ExecutionTime.forCron(cron(spec.cron())));
  }

  /** Every problem of a schedule: cron, time zone, maxActiveRuns, params; located under {@code at}. */
  public static List<SpecProblem> problems(ScheduleSpec spec, String at) {
    List<SpecProblem> problems = new ArrayList<>();
    if (spec.cron() == null || spec.cron().isBlank()) {
      problems.add(new SpecProblem(at + ".cron", "required: 5 fields (minute hour day-of-month month day-of-week, "
          + "e.g. \"0 2 * * *\") or 6 with seconds first (e.g. \"*/5 * * * * *\")"));
    } else {
      try {
        Cron cron = cron(spec.cron());
        // No year field: whether an expression ever fires does not depend on when it is asked (no clock here).
        if (ExecutionTime.forCron(cron).nextExecution(ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))
            .isEmpty()) {
          problems.add(new SpecProblem(at + ".cron", "'" + spec.cron() + "' never fires"));
        }
      } catch (IllegalArgumentException e) {
        problems.add(new SpecProblem(at + ".cron", "'" + spec.cron() + "' is not a cron expression: " + e.getMessage()
            + "; write 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first"));
      }
    }
    try {
      ZoneId.of(spec.timezoneOrDefault());
    } catch (DateTimeException e) {
      problems.add(new SpecProblem(at + ".timezone", "unknown time zone '" + spec.timezone() + "'; use a region such "
          + "as Europe/Berlin, or UTC"));
    }
    if (spec.maxActiveRunsOrDefault() < 1 || spec.maxActiveRunsOrDefault() > MAX_ACTIVE_RUNS) {
      problems.add(new SpecProblem(at + ".maxActiveRuns", "must be between 1 and " + MAX_ACTIVE_RUNS + ", was "
          + spec.maxActiveRuns()));
    }
    spec.params().forEach((name, template) -> {
      if (template == null) {
        problems.add(new SpecProblem(at + ".params." + name, "a value is required"));
        return;
      }
      Matcher m = REFERENCE.matcher(template);
      while (m.find()) {
        if (m.group(1) != null && !PARAMS.contains(m.group(1))) {
          problems.add(new SpecProblem(at + ".params." + name, "unknown '${" + m.group(1) + "}'; a schedule's params "
              + "may use " + PARAMS.stream().map(p -> "${" + p + "}").toList() + " (write $${ for a literal ${)"));
        }
      }
    });
    return problems;
  }

  private static Cron cron(String text) {
    String trimmed = text.trim();
    int fields = trimmed.split("\\s+").length;
    if (fields != 5 && fields != 6) {
      throw new IllegalArgumentException(fields + " fields");
    }
    return (fields == 5 ? UNIX : SECONDS).parse(trimmed).validate();
  }

  public ScheduleSpec spec() {
    return spec;
  }

  public ZoneId zone() {
    return zone;
  }

  /** @return the first slot strictly after {@code after} */
  public Instant nextAfter(Instant after) {
    LocalDateTime local = LocalDateTime.ofInstant(after, zone);
    for (int i = 0; i < 10_000; i++) {
      Optional<ZonedDateTime> next = execution.nextExecution(local.atZone(ZoneOffset.UTC));
      if (next.isEmpty()) break;
      local = next.get().toLocalDateTime();
      // Gap: shifted forward by its length. Overlap: the earlier offset, so the second occurrence never fires.
      Instant slot = ZonedDateTime.ofLocal(local, zone, null).toInstant();
      if (slot.isAfter(after)) return slot;
    }
    throw new IllegalStateException("schedule '" + spec.cron() + "' has no slot after " + after);
  }

  /** @return the latest slot at or before {@code at}, or empty when there is none */
  public Optional<Instant> latestAtOrBefore(Instant at) {
    // Slots are whole seconds: the latest local time strictly before the next whole second.
    LocalDateTime local = LocalDateTime.ofInstant(at, zone).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
    for (int i = 0; i < 10_000; i++) {
      Optional<ZonedDateTime> previous = execution.lastExecution(local.atZone(ZoneOffset.UTC));
      if (previous.isEmpty()) return Optional.empty();
      local = previous.get().toLocalDateTime();
      Instant slot = ZonedDateTime.ofLocal(local, zone, null).toInstant();
      if (!slot.isAfter(at)) return Optional.of(slot);
    }
    return Optional.empty();
  }

  /**
   * The run parameters of a slot: the schedule's {@code params} with {@code ${scheduled.date}} (2026-03-29),
   * {@code ${scheduled.time}} (03:30:00) in the schedule's zone, and {@code ${scheduled.instant}}
   * (2026-03-29T01:30:00Z) substituted; {@code $${} is a literal {@code ${}.
   */
  public Map<String, String> params(Instant slot) {
    ZonedDateTime local = slot.atZone(zone);
    Map<String, String> values = Map.of(DATE, local.toLocalDate().toString(), TIME, TIME_OF_DAY.format(local),
        INSTANT, slot.truncatedTo(ChronoUnit.SECONDS).toString());
    Map<String, String> out = new java.util.TreeMap<>();
    spec.params().forEach((name, template) -> out.put(name, substitute(template, values)));
    return out;
  }

  private static String substitute(String template, Map<String, String> values) {
    Matcher m = REFERENCE.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = m.group(1) == null ? "${" : values.getOrDefault(m.group(1), m.group());
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
