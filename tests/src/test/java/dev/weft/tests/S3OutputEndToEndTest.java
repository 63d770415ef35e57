package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weft.client.RunResult;
import dev.weft.client.TaskResult;
import dev.weft.executor.LocalOutputChecker;
import dev.weft.executor.SchemeOutputChecker;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.executor.s3.S3OutputChecker;
import dev.weft.executor.s3.S3Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Luigi's skip for S3 outputs, end to end: the real broker, registry and coordinator, the process executor, and a real
 * S3 API (moto). A task whose {@code s3://} output exists (an object, or any object under a prefix) is SKIPPED and its
 * process never runs; one whose output is absent runs. What ran is read from marker files the processes themselves
 * write, not from what the coordinator reports.
 */
class S3OutputEndToEndTest {
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
  private static LocalS3Endpoint s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = LocalS3Endpoint.start(Path.of("target", "s3-output-e2e"));
    s3.createBucket("warehouse");
    s3.put("warehouse", "orders/2026-12-01/orders.csv", "id,amount\n");
    s3.put("warehouse", "revenue/day=2026-12-01/_SUCCESS", "");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) s3.close();
  }

  @Test
  void shouldSkipTasksWhoseS3OutputExistsAndRunTheOthers() throws Exception {
    try (IsolatedWeft w = new IsolatedWeft("s3-output", 2)) {
      Path markers = Files.createDirectories(w.dir.resolve("markers"));
      S3OutputChecker s3Checker = new S3OutputChecker(S3Settings.fromEnvironment()
          .withEndpoint(s3.uri(), LocalS3Endpoint.REGION)
          .withStaticCredentials(LocalS3Endpoint.ACCESS_KEY, LocalS3Endpoint.SECRET_KEY));
      w.startExecutor(new ProcessBackend(w.dir, null), b -> b.groupId(w.prefix + "process")
          .outputChecker(new SchemeOutputChecker(new LocalOutputChecker(w.dir), s3Checker)));
      String yaml = """
          pipeline: s3-outputs
          params: {date: "2026-12-01", markers: "%s"}
          tasks:
            - id: orders
              executor: process
              process: {argv: ["sh", "-c", "touch ${markers}/orders"]}
              output: s3://warehouse/orders/${date}/orders.csv
            - id: revenue
              dependsOn: [orders]
              executor: process
              process: {argv: ["sh", "-c", "touch ${markers}/revenue"]}
              output: s3://warehouse/revenue/day=${date}/
            - id: customers
              executor: process
              process: {argv: ["sh", "-c", "touch ${markers}/customers"]}
              output: s3://warehouse/customers/${date}/customers.csv
            - id: report
              dependsOn: [revenue, customers]
              executor: process
              process: {argv: ["sh", "-c", "touch ${markers}/report"]}
              output: s3://warehouse/report/day=${date}/
          """.formatted(markers);

      RunResult result = w.run(yaml, Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("SUCCEEDED");
      assertThat(result.tasks()).extracting(TaskResult::id, TaskResult::status)
          .containsExactlyInAnyOrder(tuple("orders", "SKIPPED"), tuple("revenue", "SKIPPED"),
              tuple("customers", "SUCCEEDED"), tuple("report", "SUCCEEDED"));
      assertThat(markers.resolve("orders")).as("an existing object: the process never ran").doesNotExist();
      assertThat(markers.resolve("revenue")).as("a prefix with an object under it: never ran").doesNotExist();
      assertThat(markers.resolve("customers")).as("an absent object: it ran").exists();
      assertThat(markers.resolve("report")).as("an empty prefix: it ran").exists();
    }
  }

  @Test
  void shouldFailATaskWhoseS3OutputCannotBeCheckedWithoutRunningIt() throws Exception {
    try (LocalS3Endpoint denying = LocalS3Endpoint.startAuthenticating(Path.of("target", "s3-output-e2e"));
        IsolatedWeft w = new IsolatedWeft("s3-denied", 1)) {
      Path markers = Files.createDirectories(w.dir.resolve("markers"));
      S3OutputChecker s3Checker = new S3OutputChecker(S3Settings.fromEnvironment()
          .withEndpoint(denying.uri(), LocalS3Endpoint.REGION)
          .withStaticCredentials(LocalS3Endpoint.ACCESS_KEY, LocalS3Endpoint.SECRET_KEY));
      w.startExecutor(new ProcessBackend(w.dir, null), b -> b.groupId(w.prefix + "process")
          .outputChecker(new SchemeOutputChecker(new LocalOutputChecker(w.dir), s3Checker)));
      String yaml = """
          pipeline: s3-denied
          tasks:
            - id: orders
              executor: process
              process: {argv: ["sh", "-c", "touch %s/orders"]}
              output: s3://warehouse/orders/orders.csv
          """.formatted(markers);

      RunResult result = w.run(yaml, Map.of(), RUN_TIMEOUT);

      assertThat(result.status()).as("run %s", result).isEqualTo("FAILED");
      TaskResult orders = result.tasks().get(0);
      assertThat(orders.status()).isEqualTo("FAILED");
      assertThat(orders.lastFailure()).contains("cannot check output s3://warehouse/orders/orders.csv")
          .contains("HTTP 403");
      assertThat(markers.resolve("orders")).as("neither skipped nor run").doesNotExist();
    }
  }
}
