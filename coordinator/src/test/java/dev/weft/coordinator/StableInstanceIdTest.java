package dev.weft.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StableInstanceIdTest {
  @TempDir
  Path dir;

  @Test
  void shouldKeepTheSameIdAcrossClaimsOfOneDirectory() throws Exception {
    String first;
    try (StableInstanceId id = StableInstanceId.claim(dir, null, "coordinator")) {
      first = id.id();
    }
    try (StableInstanceId again = StableInstanceId.claim(dir, null, "coordinator")) {
      assertThat(again.id()).isEqualTo(first).startsWith("coordinator-");
    }
    assertThat(Files.readString(dir.resolve(StableInstanceId.FILE)).trim()).isEqualTo(first);
  }

  @Test
  void shouldKeepAGivenIdForTheNextStart() {
    try (StableInstanceId id = StableInstanceId.claim(dir, "c1", "coordinator")) {
      assertThat(id.id()).isEqualTo("c1");
    }
    try (StableInstanceId again = StableInstanceId.claim(dir, null, "coordinator")) {
      assertThat(again.id()).isEqualTo("c1");
    }
  }

  @Test
  void shouldRefuseASecondLiveInstanceOnTheSameDirectory() {
    try (StableInstanceId held = StableInstanceId.claim(dir, null, "executor")) {
      assertThatThrownBy(() -> StableInstanceId.claim(dir, null, "executor"))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("another running instance uses " + dir);
    }
  }

  @Test
  void shouldRejectAnIdKafkaCannotCarryCleanly() {
    assertThatThrownBy(() -> StableInstanceId.claim(dir, "a b", "coordinator"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a b'");
  }
}
