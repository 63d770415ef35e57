package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A task's declared {@code inputs:} reach its attempt events after its dependencies' outputs, substituted, each once. */
class DeclaredInputsRunEventsTest {
  final CoordinatorHarness h = new CoordinatorHarness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldListDependencyOutputsThenDeclaredInputsOnEveryAttemptEvent() throws Exception {
    h.submit("r1", """
        pipeline: lineage
        params: {date: "2026-12-01"}
        tasks:
          - {id: a, executor: noop, output: "s3://raw/a-${date}.csv"}
          - {id: b, executor: noop, dependsOn: [a], output: "/data/b-${date}.csv",
             inputs: ["s3://raw/a-${date}.csv", "s3://ref/rates/"]}
          - {id: c, executor: noop, dependsOn: [b]}
        """, Map.of("date", "2026-12-02"), null);
    h.succeed(h.drainRuns().get(0));
    h.succeed(h.drainRuns().get(0));
    h.succeed(h.drainRuns().get(0));

    List<RunEvent> attempts = h.drainRunEvents().stream()
        .filter(e -> e.getKind() == RunEventKind.ATTEMPT_STARTED || e.getKind() == RunEventKind.ATTEMPT_ENDED).toList();
    assertThat(attempts).hasSize(6);
    assertThat(attempts.subList(0, 2)).allSatisfy(e -> assertThat(e.getInputs()).isEmpty());
    assertThat(attempts.subList(2, 4)).allSatisfy(e -> {
      assertThat(e.getTaskId()).isEqualTo("b");
      // a's output is also declared: named once.
      assertThat(e.getInputs()).containsExactly("s3://raw/a-2026-12-02.csv", "s3://ref/rates/");
      assertThat(e.getOutputs()).containsExactly("/data/b-2026-12-02.csv");
    });
    assertThat(attempts.subList(4, 6)).allSatisfy(e -> {
      assertThat(e.getInputs()).containsExactly("/data/b-2026-12-02.csv");
      assertThat(e.getOutputs()).isEmpty();
    });
  }
}
