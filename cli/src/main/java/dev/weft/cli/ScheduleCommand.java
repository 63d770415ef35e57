package dev.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.avro.RequestKind;
import dev.weft.client.WeftClient;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.ScheduleView;
import dev.weft.coordinator.decide.SpecHashes;
import dev.weft.spec.PipelineSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft schedule apply FILE}, {@code weft schedule list} and {@code weft schedule pause|resume|delete NAME}.
 *
 * <p>A schedule is the pipeline's {@code schedule:} block, named after the pipeline. Each subcommand publishes one
 * request on the log (keyed {@code schedule:NAME}), which the coordinator folds; the subcommand then reads the
 * coordinator's API until the schedule shows the change, so that what it prints is what the coordinator holds.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Run a pipeline at each slot of its schedule: (cron, time zone, catchup, maxActiveRuns), kept and "
        + "fired by the coordinator."},
    subcommands = {ScheduleCommand.Apply.class, ScheduleCommand.ListSchedules.class, ScheduleCommand.Pause.class,
        ScheduleCommand.Resume.class, ScheduleCommand.Delete.class})
final class ScheduleCommand implements Callable<Integer> {
  /** How long a subcommand waits for the coordinator to show its change. */
  private static final Duration CONFIRM = Duration.ofSeconds(30);

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    throw new UsageException("missing the subcommand: apply FILE, list, pause NAME, resume NAME or delete NAME");
  }

  /** The options every schedule subcommand takes. */
  static final class Connection {
    @Option(names = "--token", paramLabel = "TOKEN",
        description = "the API token, when the coordinator asks for one (env WEFT_API_TOKEN)")
    String token;

    @Mixin
    TopicPrefixOption topicPrefix;

    @Mixin
    ConnectionOptions connection;

    WeftClient client() {
      return new WeftClient(connection.bootstrap(), connection.serdes(), topicPrefix.topics(),
          connection.kafkaProperties());
    }

    /** @return the schedule, or empty when the coordinator holds none by that name */
    Optional<ScheduleView> fetch(String name) throws IOException, InterruptedException {
      HttpResponse<String> r = get("/api/schedules/" + name);
      if (r.statusCode() == 404) return Optional.empty();
      return Optional.of(QueryApi.JSON.readValue(body(r), ScheduleView.class));
    }

    List<ScheduleView> list() throws IOException, InterruptedException {
      HttpResponse<String> r = get("/api/schedules");
      return List.of(QueryApi.JSON.readValue(body(r), ScheduleView[].class));
    }

    /** Reads the schedule until {@code shows} holds (the coordinator folded the request), or {@link #CONFIRM}. */
    Optional<ScheduleView> await(String name, Predicate<Optional<ScheduleView>> shows)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + CONFIRM.toNanos();
      Optional<ScheduleView> s = fetch(name);
      while (!shows.test(s) && System.nanoTime() < deadline) {
        Thread.sleep(250);
        s = fetch(name);
      }
      if (!shows.test(s)) {
        throw new IllegalStateException("the coordinator did not show the change to schedule '" + name + "' within "
            + CONFIRM.toSeconds() + " s; it may still be catching up, or it refused the request (see the "
            + "dead-letter topic for the reason)");
      }
      return s;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(connection.api() + path))
          .timeout(Duration.ofSeconds(30));
      String t = Environment.or(token, "WEFT_API_TOKEN", null);
      if (t != null) request.header("Authorization", "Bearer " + t);
      try {
        return ApiHttpClient.get().send(request.build(), HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        throw new IllegalStateException("cannot reach the coordinator's API at " + connection.api() + "; is `weft dev` "
            + "(or a coordinator) running? Point at another one with --api or WEFT_API");
      }
    }

    private String body(HttpResponse<String> r) throws IOException {
      if (r.statusCode() == 200) return r.body();
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw new IllegalStateException("the coordinator's API at " + connection.api() + " refused the request ("
            + r.statusCode() + "); give a token with --token or WEFT_API_TOKEN");
      }
      JsonNode body = QueryApi.JSON.readTree(r.body());
      throw new IllegalStateException(body != null && body.has("error") ? body.get("error").asText() : r.body());
    }
  }

  @Command(name = "apply", mixinStandardHelpOptions = true,
      description = "Publish the pipeline's schedule (new, or changed); the same file again changes nothing.")
  static final class Apply implements Callable<Integer> {
    private final CommandOutput output;

    @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline (YAML or JSON) with a schedule: block")
    Path file;

    @Mixin
    Connection connection;

    Apply(CommandOutput output) {
      this.output = output;
    }

    @Override
    public Integer call() throws Exception {
      PipelineSpec spec = SubmitCommand.load(file);
      String json;
      try (WeftClient client = connection.client()) {
        json = client.applySchedule(spec);
      }
      String hash = SpecHashes.of(json);
      ScheduleView s = connection.await(spec.pipeline(), v -> v.isPresent() && hash.equals(v.get().specHash()))
          .orElseThrow();
      output.out().println("schedule " + s.name() + " applied: " + describe(s));
      return Weft.OK;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every schedule: cron, time zone, paused, next slot, last fired slot, active runs.")
  static final class ListSchedules implements Callable<Integer> {
    private final CommandOutput output;

    @Option(names = "--json", description = "print them as JSON")
    boolean json;

    @Mixin
    Connection connection;

    ListSchedules(CommandOutput output) {
      this.output = output;
    }

    @Override
    public Integer call() throws Exception {
      List<ScheduleView> schedules = connection.list();
      PrintStream out = output.out();
      if (json) {
        out.println(Weft.JSON.writeValueAsString(schedules));
        return Weft.OK;
      }
      if (schedules.isEmpty()) {
        out.println("no schedules; publish one with `weft schedule apply FILE`");
        return Weft.OK;
      }
      String format = "%-24s %-16s %-16s %-6s %-22s %-22s %s%n";
      out.printf(format, "NAME", "CRON", "TIMEZONE", "PAUSED", "NEXT SLOT", "LAST FIRED", "ACTIVE RUNS");
      for (ScheduleView s : schedules) {
        out.printf(format, s.name(), s.cron(), s.timezone(), s.paused() ? "yes" : "no",
            s.paused() ? "(paused)" : s.nextSlot(), s.lastFiredSlot() == null ? "-" : s.lastFiredSlot(),
            s.activeRuns().isEmpty() ? "-" : String.join(",", s.activeRuns()));
      }
      return Weft.OK;
    }
  }

  /** Pause, resume and delete: a name, one request, and the change confirmed. */
  abstract static class Change implements Callable<Integer> {
    private final CommandOutput output;

    @Parameters(index = "0", paramLabel = "NAME", description = "the schedule (its pipeline's name)")
    String name;

    @Mixin
    Connection connection;

    Change(CommandOutput output) {
      this.output = output;
    }

    abstract RequestKind kind();

    abstract boolean shows(Optional<ScheduleView> s);

    abstract String done(Optional<ScheduleView> s);

    @Override
    public Integer call() throws Exception {
      if (connection.fetch(name).isEmpty()) {
        output.err().println("weft: no schedule '" + name + "' is known to the coordinator; `weft schedule list` "
            + "shows them");
        return Weft.NOT_FOUND;
      }
      try (WeftClient client = connection.client()) {
        client.changeSchedule(kind(), name);
      }
      output.out().println(done(connection.await(name, this::shows)));
      return Weft.OK;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Fire no slot until resumed; the slots that pass meanwhile are never fired.")
  static final class Pause extends Change {
    Pause(CommandOutput output) {
      super(output);
    }

    @Override
    RequestKind kind() {
      return RequestKind.SCHEDULE_PAUSE;
    }

    @Override
    boolean shows(Optional<ScheduleView> s) {
      return s.isEmpty() || s.get().paused();
    }

    @Override
    String done(Optional<ScheduleView> s) {
      return "schedule " + name + " paused; `weft schedule resume " + name + "` fires it again from its next slot";
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Fire slots again, from the first one after now.")
  static final class Resume extends Change {
    Resume(CommandOutput output) {
      super(output);
    }

    @Override
    RequestKind kind() {
      return RequestKind.SCHEDULE_RESUME;
    }

    @Override
    boolean shows(Optional<ScheduleView> s) {
      return s.isEmpty() || !s.get().paused();
    }

    @Override
    String done(Optional<ScheduleView> s) {
      return s.map(v -> "schedule " + name + " resumed: " + describe(v)).orElse("schedule " + name + " is gone");
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete the schedule; runs it started go on.")
  static final class Delete extends Change {
    Delete(CommandOutput output) {
      super(output);
    }

    @Override
    RequestKind kind() {
      return RequestKind.SCHEDULE_DELETE;
    }

    @Override
    boolean shows(Optional<ScheduleView> s) {
      return s.isEmpty();
    }

    @Override
    String done(Optional<ScheduleView> s) {
      return "schedule " + name + " deleted; runs it started go on";
    }
  }

  static String describe(ScheduleView s) {
    return "cron '" + s.cron() + "' in " + s.timezone() + ", catchup " + s.catchup() + ", at most "
        + s.maxActiveRuns() + " active, " + (s.paused() ? "paused" : "next slot " + s.nextSlot());
  }
}
