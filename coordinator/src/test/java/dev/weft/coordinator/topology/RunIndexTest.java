package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.coordinator.state.RunIndexEntry;
import dev.weft.coordinator.state.RunIndexPages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The run list reads the time-ordered run index: newest first, a page at a time, and never an expired run. */
class RunIndexTest {
  final CoordinatorHarness h = new CoordinatorHarness(RunExpiryTest.OPTIONS);

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void shouldPageNewestFirstWithACursorAndSkipExpiredRuns() throws Exception {
    for (int i = 0; i < 5; i++) {
      h.submit("r" + i, RunExpiryTest.ONE_TASK);
      if (i < 2) RunExpiryTest.runToEnd(h, "r" + i);
      h.advance(Duration.ofSeconds(1));
    }
    // Two runs accepted in the same millisecond are ordered by run id, and a cursor between them loses neither.
    h.submit("r5-b", RunExpiryTest.ONE_TASK);
    h.submit("r5-a", RunExpiryTest.ONE_TASK);

    assertThat(allPages(2, e -> true)).containsExactly(List.of("r5-a", "r5-b"), List.of("r4", "r3"),
        List.of("r2", "r1"), List.of("r0"));
    assertThat(allPages(10, e -> e.getStatus().equals("SUCCEEDED"))).containsExactly(List.of("r1", "r0"));
    RunIndexPages.Page olderThanR2 = page(String.valueOf(h.run("r2").getAcceptedAtMs()), 10, e -> true);
    assertThat(ids(olderThanR2)).containsExactly("r1", "r0");

    h.advance(RunExpiryTest.RETAIN.plusMinutes(1));

    assertThat(h.run("r0")).isNull();
    assertThat(allPages(2, e -> true)).containsExactly(List.of("r5-a", "r5-b"), List.of("r4", "r3"), List.of("r2"));
  }

  @Test
  void shouldRefuseACursorThatIsNotOne() {
    assertThatThrownBy(() -> page("yesterday/r1", 10, e -> true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<acceptedAtMs>/<runId>");
  }

  private List<List<String>> allPages(int limit, Predicate<RunIndexEntry> filter) {
    List<List<String>> pages = new ArrayList<>();
    String cursor = null;
    do {
      RunIndexPages.Page p = page(cursor, limit, filter);
      if (!p.entries().isEmpty()) pages.add(ids(p));
      cursor = p.nextBefore();
    } while (cursor != null && pages.size() < 100);
    return pages;
  }

  private RunIndexPages.Page page(String before, int limit, Predicate<RunIndexEntry> filter) {
    KeyValueStore<String, RunIndexEntry> index = h.driver.getKeyValueStore(CoordinatorTopology.RUN_INDEX_STORE);
    return RunIndexPages.newestFirst(List.of(index), before, limit, filter);
  }

  private static List<String> ids(RunIndexPages.Page p) {
    return p.entries().stream().map(RunIndexEntry::getRunId).toList();
  }
}
