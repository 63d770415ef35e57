package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.embedded.Ports;
import dev.weft.executor.s3.S3OutputChecker;
import dev.weft.executor.s3.S3Settings;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The S3 output checker against a real S3 API (moto): objects, prefixes, what counts as absent, and that a 403 or an
 * endpoint that does not answer is an error naming the target, never "absent".
 */
class S3OutputCheckerTest {
  private static LocalS3Endpoint s3;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = LocalS3Endpoint.start(Path.of("target", "s3-output-checker"));
    s3.createBucket("outputs");
    s3.put("outputs", "daily/2026-12-01/report.csv", "country,revenue\n");
    s3.put("outputs", "spark/day=2026-12-01/_SUCCESS", "");
  }

  @AfterAll
  static void stopS3() {
    if (s3 != null) s3.close();
  }

  private static S3OutputChecker checker(URI endpoint) {
    return new S3OutputChecker(S3Settings.fromEnvironment().withEndpoint(endpoint, LocalS3Endpoint.REGION)
        .withStaticCredentials(LocalS3Endpoint.ACCESS_KEY, LocalS3Endpoint.SECRET_KEY));
  }

  @Test
  void shouldFindAnObjectByItsKeyAndNothingElse() throws Exception {
    S3OutputChecker checker = checker(s3.uri());

    assertThat(checker.exists("s3://outputs/daily/2026-12-01/report.csv")).isTrue();
    assertThat(checker.exists("s3://outputs/daily/2026-12-01/missing.csv")).isFalse();
    assertThat(checker.exists("s3://outputs/daily/2026-12-01")).as("an object key is exact, not a prefix").isFalse();
    assertThat(checker.exists("s3://no-such-bucket/daily/report.csv")).as("a missing bucket reads as absent").isFalse();
  }

  @Test
  void shouldFindAPrefixByAnyObjectUnderIt() throws Exception {
    S3OutputChecker checker = checker(s3.uri());

    assertThat(checker.exists("s3://outputs/spark/day=2026-12-01/")).isTrue();
    assertThat(checker.exists("s3://outputs/spark/")).isTrue();
    assertThat(checker.exists("s3://outputs/spark/day=2026-12-0/")).as("a prefix ends at its '/'").isFalse();
    assertThat(checker.exists("s3://outputs/spark/day=2026-12-02/")).isFalse();
    assertThat(checker.exists("s3://no-such-bucket/spark/")).as("a missing bucket reads as absent").isFalse();
  }

  @Test
  void shouldFindTargetsThroughTheSdksOwnEndpointAndCredentialSettings() throws Exception {
    // aws.endpointUrlS3 is the system-property twin of AWS_ENDPOINT_URL_S3: nothing is given to Weft explicitly, so
    // the region fallback and path-style addressing must come from noticing the SDK's own endpoint setting.
    String[] keys = {"aws.endpointUrlS3", "aws.accessKeyId", "aws.secretAccessKey"};
    String[] values = {s3.uri().toString(), LocalS3Endpoint.ACCESS_KEY, LocalS3Endpoint.SECRET_KEY};
    for (int i = 0; i < keys.length; i++) System.setProperty(keys[i], values[i]);
    try {
      S3OutputChecker checker = new S3OutputChecker(S3Settings.fromEnvironment());
      assertThat(checker.exists("s3://outputs/daily/2026-12-01/report.csv")).isTrue();
      assertThat(checker.exists("s3://outputs/spark/day=2026-12-01/")).isTrue();
      assertThat(checker.exists("s3://outputs/daily/2026-12-01/missing.csv")).isFalse();
    } finally {
      for (String k : keys) System.clearProperty(k);
    }
  }

  @Test
  void shouldReportAccessDeniedAsAnErrorNamingTheTarget() throws Exception {
    try (LocalS3Endpoint authenticating = LocalS3Endpoint.startAuthenticating(Path.of("target", "s3-output-checker"))) {
      S3OutputChecker checker = checker(authenticating.uri());

      assertThatThrownBy(() -> checker.exists("s3://outputs/daily/2026-12-01/report.csv"))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("s3://outputs/daily/2026-12-01/report.csv: S3 answered HeadObject with HTTP 403")
          .hasMessageContaining("s3:ListBucket");
      assertThatThrownBy(() -> checker.exists("s3://outputs/spark/"))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("s3://outputs/spark/: S3 answered ListObjectsV2 with HTTP 403");
    }
  }

  @Test
  void shouldReportAnEndpointThatDoesNotAnswerAsAnErrorNamingTheTargetWithinTheCallBudget() throws Exception {
    // A loopback port nobody listens on: connection refused, on every retry the SDK makes.
    S3OutputChecker checker = checker(URI.create("http://127.0.0.1:" + Ports.free()));

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> checker.exists("s3://outputs/daily/2026-12-01/report.csv"))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("s3://outputs/daily/2026-12-01/report.csv: S3 could not be asked (HeadObject)");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }
}
