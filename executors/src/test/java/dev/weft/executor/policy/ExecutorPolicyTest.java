package dev.weft.executor.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutorPolicyTest {
  @TempDir Path dir;

  @Test
  void shouldReadAPolicyFileAndKeepTheDefaultsOfWhatItLeavesOut() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), """
        container:
          images: ["registry.example.com/etl/*"]
          allowNetwork: false
        process:
          runAs: "65534:65534"
          directories: [/srv/weft]
        """);

    ExecutorPolicy p = ExecutorPolicy.load(file);

    assertThat(p.container().images()).containsExactly("registry.example.com/etl/*");
    assertThat(p.container().allowNetwork()).isFalse();
    assertThat(p.container().allowRoot()).isFalse();
    assertThat(p.container().mountSources()).isEqualTo(ExecutorPolicy.localDefault().container().mountSources());
    assertThat(p.process().user()).hasValueSatisfying(u -> assertThat(u.uid()).isEqualTo(65534));
    assertThat(p.process().directories()).containsExactly("/srv/weft");
  }

  @Test
  void shouldRefuseAMisspeltRuleRatherThanAllowMore() throws Exception {
    Path file = Files.writeString(dir.resolve("policy.yaml"), "container:\n  allowRoots: false\n");
    assertThatThrownBy(() -> ExecutorPolicy.load(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("unknown field container.allowRoots");
  }

  @Test
  void shouldRefuseWrongTypesAndUnknownUsers() throws Exception {
    Path types = Files.writeString(dir.resolve("t.yaml"), "container:\n  allowRoot: yes please\n");
    assertThatThrownBy(() -> ExecutorPolicy.load(types)).hasMessageContaining("container.allowRoot must be true or false");
    Path user = Files.writeString(dir.resolve("u.yaml"), "process:\n  runAs: no-such-user-here\n");
    assertThatThrownBy(() -> ExecutorPolicy.load(user)).hasMessageContaining("no user of this host");
  }
}
