package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The picocli wiring of {@code weft}, without Kafka: every command's help, usage errors as one line and a hint with
 * exit code 64, the version and shell completion. Runs {@link Weft#run} as {@code main} does, on captured streams.
 */
class WeftCommandLineTest {

  record Result(int exit, String out, String err) {}

  static Result weft(String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit = Weft.run(List.of(argv), o, e);
    }
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Stream<String> commands() {
    CommandLine weft = Weft.commandLine(new CommandOutput(System.out, System.err, false));
    return weft.getSubcommands().keySet().stream().filter(name -> !name.equals("help"));
  }

  @Test
  void shouldRegisterEveryCommand() {
    assertThat(commands()).containsExactlyInAnyOrder("run", "dev", "submit", "status", "history", "lineage", "cancel",
        "rerun", "backfill", "schedule", "replay", "coordinator", "executor", "sink", "bench", "version", "completion");
  }

  @ParameterizedTest
  @MethodSource("commands")
  void shouldAnswerHelpWithTheCommandsOwnUsageAndExitZero(String command) {
    CommandLine spec = Weft.commandLine(new CommandOutput(System.out, System.err, false)).getSubcommands().get(command);
    for (String help : List.of("--help", "-h")) {
      Result r = weft(command, help);

      assertThat(r.exit()).as("%s %s; stderr: %s", command, help, r.err()).isZero();
      assertThat(r.err()).isEmpty();
      assertThat(r.out()).startsWith("Usage: weft " + command);
      for (OptionSpec option : spec.getCommandSpec().options()) {
        assertThat(r.out()).as("%s %s names %s", command, help, option.longestName()).contains(option.longestName());
      }
    }
  }

  @Test
  void shouldAnswerHelpAtTheTopWithEveryCommand() {
    for (List<String> argv : List.of(List.of("--help"), List.of("-h"), List.of("help"))) {
      Result r = weft(argv.toArray(String[]::new));

      assertThat(r.exit()).as("%s", argv).isZero();
      assertThat(r.out()).startsWith("Usage: weft");
      commands().forEach(c -> assertThat(r.out()).contains("  " + c + " "));
      assertThat(r.out()).contains("64 usage error");
    }
    assertThat(weft("help", "submit").out()).startsWith("Usage: weft submit");
  }

  @Test
  void shouldPrintTheUsageAndFailWhenNoCommandIsGiven() {
    Result r = weft();

    assertThat(r.exit()).isEqualTo(64);
    assertThat(r.out()).startsWith("Usage: weft");
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(List.of("submit", "--help-me"), "submit", "unknown option --help-me"),
        Arguments.of(List.of("submit", "p.yaml", "--bogus"), "submit", "unknown option --bogus"),
        Arguments.of(List.of("submit", "p.yaml", "--bogus=1"), "submit", "unknown option --bogus"),
        Arguments.of(List.of("submit"), "submit", "FILE"),
        Arguments.of(List.of("submit", "p.yaml", "--timeout"), "submit", "--timeout"),
        Arguments.of(List.of("submit", "p.yaml", "--timeout", "soon"), "submit", "'soon'"),
        Arguments.of(List.of("submit", "/no/such/pipeline.yaml"), "submit", "no pipeline file at /no/such/pipeline.yaml"),
        Arguments.of(List.of("run", "p.yaml", "--param", "novalue"), "run", "--param takes name=value"),
        Arguments.of(List.of("status"), "status", "RUN"),
        Arguments.of(List.of("status", "r1", "extra"), "status", "'extra'"),
        Arguments.of(List.of("history", "--limit", "many"), "history", "'many'"),
        Arguments.of(List.of("history", "--limit", "0"), "history", "--limit"),
        Arguments.of(List.of("history", "--status", "WONDERFUL"), "history", "--status"),
        Arguments.of(List.of("lineage", "s3://bucket-1/k", "--since", "yesterday"), "lineage", "--since"),
        Arguments.of(List.of("cancel"), "cancel", "RUN"),
        Arguments.of(List.of("schedule"), "schedule", "missing the subcommand"),
        Arguments.of(List.of("schedule", "apply"), "schedule apply", "FILE"),
        Arguments.of(List.of("schedule", "apply", "/no/such/pipeline.yaml"), "schedule apply",
            "no pipeline file at /no/such/pipeline.yaml"),
        Arguments.of(List.of("schedule", "pause"), "schedule pause", "NAME"),
        Arguments.of(List.of("schedule", "list", "--bogus"), "schedule list", "unknown option --bogus"),
        Arguments.of(List.of("replay", "--timeout", "5 minutes"), "replay", "--timeout"),
        Arguments.of(List.of("replay", "--api-port", "x"), "replay", "--api-port"),
        Arguments.of(List.of("dev", "--port", "ninety"), "dev", "--port"),
        Arguments.of(List.of("dev", "--max-run-tasks", "lots"), "dev", "--max-run-tasks"),
        Arguments.of(List.of("run", "p.yaml", "--max-run-tasks", "1000"), "run", "--max-run-tasks must be at least"),
        Arguments.of(List.of("run", "p.yaml", "--max-concurrent", "0"), "run", "--max-concurrent must be at least 1"),
        Arguments.of(List.of("dev", "--max-concurrent", "many"), "dev", "--max-concurrent"),
        Arguments.of(List.of("executor", "noop", "--max-concurrent", "-3"), "executor", "--max-concurrent must be"),
        Arguments.of(List.of("coordinator", "--threads", "two"), "coordinator", "--threads"),
        Arguments.of(List.of("coordinator", "--retain-finished", "-1d"), "coordinator", "--retain-finished"),
        Arguments.of(List.of("coordinator", "--api-host", "0.0.0.0"), "coordinator", "--advertised-host"),
        Arguments.of(List.of("coordinator", "--kafka-config", "/no/such.properties"), "coordinator", "--kafka-config"),
        Arguments.of(List.of("coordinator", "--registry-user", "nopassword"), "coordinator", "USER:PASSWORD"),
        Arguments.of(List.of("executor"), "executor", "NAME"),
        Arguments.of(List.of("executor", "noop", "--cancel-grace", "a bit"), "executor", "--cancel-grace"),
        Arguments.of(List.of("executor", "noop", "--metrics-port", "70000"), "executor", "--metrics-port"),
        Arguments.of(List.of("sink", "--instance-id"), "sink", "--instance-id"),
        Arguments.of(List.of("bench", "--no-such-option", "1"), "bench", "unknown option --no-such-option"),
        Arguments.of(List.of("bench", "--rate", "fast"), "bench", "--rate"),
        Arguments.of(List.of("bench", "--sections", "everything"), "bench", "--sections"),
        Arguments.of(List.of("completion", "fish"), "completion", "fish"),
        Arguments.of(List.of("frobnicate"), null, "unknown command 'frobnicate'"),
        Arguments.of(List.of("--frobnicate"), null, "unknown option --frobnicate"));
  }

  @ParameterizedTest
  @MethodSource("usageErrors")
  void shouldReportAUsageErrorAsOneLineAndAHint(List<String> argv, String command, String problem) {
    Result r = weft(argv.toArray(String[]::new));

    String name = command == null ? "weft" : "weft " + command;
    assertThat(r.exit()).as("%s; stderr: %s", argv, r.err()).isEqualTo(64);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList()).as("%s", argv).hasSize(2);
    assertThat(r.err().lines().toList().get(0)).startsWith(name + ": ").contains(problem);
    assertThat(r.err().lines().toList().get(1)).isEqualTo("run '" + name + " --help' for usage");
    assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void shouldAnswerEveryScheduleSubcommandsHelp() {
    for (String sub : List.of("apply", "list", "pause", "resume", "delete")) {
      Result r = weft("schedule", sub, "--help");
      assertThat(r.exit()).as(sub).isZero();
      assertThat(r.out()).startsWith("Usage: weft schedule " + sub).contains("--bootstrap").contains("--token");
    }
  }

  @Test
  void shouldRefuseToPublishAScheduleThatIsInvalidWithEveryProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("p.yaml");
    java.nio.file.Files.writeString(file, """
        pipeline: nightly
        schedule: {cron: "0 25 * * *", timezone: Mars/Olympus}
        tasks: [{id: a, executor: noop}]
        """);
    Result r = weft("schedule", "apply", file.toString(), "--bootstrap", "localhost:1");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("schedule.cron:").contains("schedule.timezone: unknown time zone 'Mars/Olympus'");
    java.nio.file.Files.writeString(file, "pipeline: nightly\ntasks: [{id: a, executor: noop}]\n");
    assertThat(weft("schedule", "apply", file.toString(), "--bootstrap", "localhost:1").err())
        .contains("the pipeline has no schedule: block");
  }

  /** Every problem of the spec, before a broker or anything else of the throwaway stack starts. */
  @Test
  void shouldRefuseToRunAnInvalidPipelineBeforeStartingTheStack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("p.yaml");
    java.nio.file.Files.writeString(file, """
        pipeline: broken
        tasks:
          - {id: b, dependsOn: [c], executor: process, process: {argv: ["echo", "${missing}"]}}
          - {id: c, dependsOn: [b], executor: dockr}
        """);
    Result r = weft("run", file.toString(), "--data-dir", dir.resolve("stack").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("tasks[1](c).executor: unknown executor 'dockr'")
        .contains("tasks: dependency cycle: c -> b -> c")
        .contains("tasks[0](b).process.argv[1]: missing parameter 'missing'")
        .doesNotContain("weft: starting").doesNotContain("Exception");
    assertThat(dir.resolve("stack")).as("no stack started").doesNotExist();
  }

  @Test
  void shouldPrintTheMavenProjectVersion() {
    for (List<String> argv : List.of(List.of("--version"), List.of("-V"), List.of("version"))) {
      Result r = weft(argv.toArray(String[]::new));

      assertThat(r.exit()).as("%s", argv).isZero();
      // Filtered in from the pom by the build: a version, not the placeholder or "unknown".
      assertThat(r.out().strip()).as("%s", argv).matches("weft [0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?");
    }
  }

  @Test
  void shouldGenerateABashCompletionScriptThatKnowsTheCommandsAndOptions() {
    Result r = weft("completion", "bash");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F")
        .contains("submit").contains("coordinator").contains("--kafka-config").contains("--registry-user");
  }
}
