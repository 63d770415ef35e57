package dev.weft.coordinator.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stream thread keeps fewer decoded tasks while a replay catches up than when live (CoordinatorTopology). */
class DecodedTasksKeptTest {
  @Test
  void shouldKeepFewerWhileCatchingUpAndMoreOnceCaughtUp() {
    CatchUp catchUp = CatchUp.until(Map.of("weft.task-events:0", 10L));
    assertThat(CoordinatorTopology.decodedTasksKept(catchUp))
        .isEqualTo(CoordinatorTopology.MAX_CLEAN_TASKS_PER_THREAD_CATCHING_UP);

    catchUp.finish();
    assertThat(CoordinatorTopology.decodedTasksKept(catchUp)).isEqualTo(CoordinatorTopology.MAX_CLEAN_TASKS_PER_THREAD);
    assertThat(CoordinatorTopology.decodedTasksKept(CatchUp.NONE))
        .isEqualTo(CoordinatorTopology.MAX_CLEAN_TASKS_PER_THREAD);
    assertThat(CoordinatorTopology.MAX_CLEAN_TASKS_PER_THREAD)
        .isGreaterThan(CoordinatorTopology.MAX_CLEAN_TASKS_PER_THREAD_CATCHING_UP);
  }
}
