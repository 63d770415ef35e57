package dev.weft.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The run list's parameters: what {@code GET /api/runs} has always been is the default, and bad input says why. */
class RunQueryTest {

  @Test
  void shouldDefaultToTheNewestTwoHundredRuns() {
    assertThat(RunQuery.parse(null)).isEqualTo(RunQuery.NEWEST);
    assertThat(RunQuery.parse("")).isEqualTo(new RunQuery(200, null, null, null, null));
  }

  @Test
  void shouldReadEveryParameterAndWriteItBackForTheNextPage() {
    RunQuery q = RunQuery.parse("limit=50&pipeline=daily%20etl&status=failed&before=1700000000000%2Fr-1"
        + "&requester=team%20a");

    assertThat(q).isEqualTo(new RunQuery(50, "1700000000000/r-1", "daily etl", "FAILED", "team a"));
    assertThat(RunQuery.parse(q.before("1699/r-0").toQueryString())).isEqualTo(q.before("1699/r-0"));
  }

  @Test
  void shouldSayWhatIsWrongWithABadParameter() {
    assertThatThrownBy(() -> RunQuery.parse("limit=5000")).hasMessageContaining("limit must be 1 to 1000");
    assertThatThrownBy(() -> RunQuery.parse("limit=ten")).hasMessageContaining("limit must be a number");
    assertThatThrownBy(() -> RunQuery.parse("status=DONE")).hasMessageContaining("not a run status");
    assertThatThrownBy(() -> RunQuery.parse("sort=asc")).hasMessageContaining("unknown parameter 'sort'");
  }
}
