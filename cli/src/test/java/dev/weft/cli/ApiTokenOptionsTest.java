package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.coordinator.api.ApiScope;
import dev.weft.coordinator.api.ApiTokens;
import dev.weft.coordinator.api.CancelRequests;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunLookup;
import dev.weft.coordinator.api.RunPage;
import dev.weft.coordinator.api.RunQuery;
import dev.weft.coordinator.api.RunView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 17 §4 from the command line: the coordinator's token options, and {@code weft status --token}. */
class ApiTokenOptionsTest {
  static final String READ = "read-token-0123456789";
  static final String OPERATE = "operate-token-0123456789";

  @TempDir
  Path tmp;

  static CoordinatorCommand coordinator(String... argv) {
    CommandLine weft = Weft.commandLine(new CommandOutput(System.out, System.err, false));
    String[] args = new String[argv.length + 1];
    args[0] = "coordinator";
    System.arraycopy(argv, 0, args, 1, argv.length);
    weft.parseArgs(args);
    return weft.getSubcommands().get("coordinator").getCommand();
  }

  @Test
  void shouldReadTheTokenFileOrTheTwoTokensAndNotBoth() throws Exception {
    Path file = Files.writeString(tmp.resolve("tokens"), "read " + READ + "\noperate " + OPERATE + "\n");

    ApiTokens fromFile = coordinator("--api-tokens", file.toString()).tokens();
    ApiTokens fromOptions = coordinator("--read-token", READ, "--operate-token", OPERATE).tokens();

    for (ApiTokens t : List.of(fromFile, fromOptions)) {
      assertThat(t.scopeOf(READ)).hasValue(ApiScope.READ);
      assertThat(t.scopeOf(OPERATE)).hasValue(ApiScope.OPERATE);
      assertThat(t.forwardingToken()).hasValue(READ);
    }
    assertThat(coordinator().tokens().required()).isFalse();
    assertThatThrownBy(() -> coordinator("--api-tokens", file.toString(), "--read-token", READ).tokens())
        .isInstanceOf(UsageException.class).hasMessageContaining("not both");
  }

  @Test
  void shouldPassItsTokenToTheApiAndSayWhatIsMissingWithoutOne() throws Exception {
    RunView run = new RunView("r-1", "etl", "SUCCEEDED", "alice", Map.of(), 1L, 2L, 0, Map.of(), null, List.of(), null, null);
    RunLookup lookup = new RunLookup() {
      @Override
      public Optional<RunView> run(String runId) {
        return Optional.of(run);
      }

      @Override
      public RunPage runs(RunQuery query) {
        return new RunPage(List.of(run), null);
      }
    };
    try (QueryApi api = new QueryApi("127.0.0.1", 0, lookup, Map::of, null, CancelRequests.NONE,
        ApiTokens.of(READ, OPERATE))) {
      String url = "http://127.0.0.1:" + api.port();

      WeftCommandLineTest.Result with = WeftCommandLineTest.weft("status", "r-1", "--json", "--api", url, "--token", READ);
      WeftCommandLineTest.Result without = WeftCommandLineTest.weft("status", "r-1", "--api", url);
      WeftCommandLineTest.Result wrong = WeftCommandLineTest.weft("status", "r-1", "--api", url, "--token", "nope");

      assertThat(with.exit()).as(with.err()).isZero();
      assertThat(with.out()).contains("\"runId\" : \"r-1\"");
      assertThat(without.exit()).isEqualTo(Weft.UNAVAILABLE);
      assertThat(without.err()).contains("without a token; give --token or WEFT_API_TOKEN");
      assertThat(wrong.exit()).isEqualTo(Weft.UNAVAILABLE);
      assertThat(wrong.err()).contains("refused the token");
    }
  }
}
