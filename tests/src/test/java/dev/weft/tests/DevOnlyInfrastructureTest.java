package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.Weft;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code weft dev --only broker,registry} runs the infrastructure alone, and a coordinator and an executor run
 * against it as their own processes: a run succeeds, {@code weft status} answers, and SIGTERM stops each of the three
 * within 10 s.
 */
class DevOnlyInfrastructureTest {
  static final Duration PROMISE = Duration.ofSeconds(10);

  @Test
  void shouldRunServicesAsTheirOwnProcessesAgainstTheInfrastructureAlone() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "dev-only-" + ProcessHandle.current().pid())).toAbsolutePath();
    Infrastructure infrastructure = Infrastructure.start(dir);
    ServiceProcess infra = infrastructure.process();
    try {
      String bootstrap = infrastructure.bootstrapServers();
      String registry = infrastructure.registryUrl();
      infra.awaitLine(Pattern.compile("Start the services"), Duration.ofSeconds(5));
      assertThat(Files.readString(infra.logFile())).doesNotContain("UI and API").doesNotContain("coordinator running");

      try (ProcessWeft weft = new ProcessWeft("only", 2, bootstrap, registry)) {
        ServiceProcess coordinator = weft.startCoordinator("c1");
        ServiceProcess noop = weft.startExecutor("noop", "n1");
        var run = weft.submit(ServiceRestartTest.oneTask("on-infrastructure"));
        assertThat(weft.await(run, Duration.ofMinutes(2)).status()).isEqualTo("SUCCEEDED");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Weft.run(List.of("status", run.runId(), "--api", "http://127.0.0.1:" + weft.apiPort(coordinator)),
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("SUCCEEDED");

        Duration executorStop = noop.terminate(PROMISE);
        Duration coordinatorStop = coordinator.terminate(PROMISE);
        Duration infraStop = infra.terminate(PROMISE);
        System.out.printf("DevOnlyInfrastructureTest: SIGTERM stopped the executor in %d ms, the coordinator in %d ms,"
            + " the broker and registry in %d ms%n", executorStop.toMillis(), coordinatorStop.toMillis(),
            infraStop.toMillis());
      }
    } finally {
      infra.stopQuietly();
    }
  }
}
