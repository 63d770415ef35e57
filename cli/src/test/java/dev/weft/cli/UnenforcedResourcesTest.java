package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.spec.PipelineSpecs;
import org.junit.jupiter.api.Test;

class UnenforcedResourcesTest {
  @Test
  void shouldNameTheProcessAndSparkTasksGivenResourcesTheirExecutorIgnores() throws Exception {
    var spec = PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: local, executor: process, process: {argv: ["true"]}, resources: {memory: 16Mi}}
          - {id: boxed, executor: container, container: {image: busybox}, resources: {memory: 16Mi}}
          - {id: free, executor: process, process: {argv: ["true"]}}
          - {id: dry, executor: noop, resources: {cpu: 1}}
        """);
    assertThat(UnenforcedResources.warning(spec)).hasValueSatisfying(w -> assertThat(w)
        .startsWith("resources are not enforced for process and spark tasks").contains(": local (it is given")
        .doesNotContain("boxed").doesNotContain("free").doesNotContain("dry"));
  }

  @Test
  void shouldCountTheTasksThatTakeResourcesFromTheDefaults() throws Exception {
    StringBuilder yaml = new StringBuilder("pipeline: p\ndefaults: {resources: {cpu: 0.5}}\ntasks:\n");
    for (int i = 0; i < 8; i++) yaml.append("  - {id: t").append(i).append(", executor: spark, spark: {}}\n");
    assertThat(UnenforcedResources.warning(PipelineSpecs.parse(yaml.toString())))
        .hasValueSatisfying(w -> assertThat(w).contains(": t0, t1, t2, t3, t4 and 3 more (they are given"));
  }

  @Test
  void shouldSayNothingWhenEveryLimitIsEnforced() throws Exception {
    assertThat(UnenforcedResources.warning(PipelineSpecs.parse("""
        pipeline: p
        tasks:
          - {id: boxed, executor: container, container: {image: busybox}, resources: {memory: 16Mi}}
          - {id: free, executor: process, process: {argv: ["true"]}}
        """))).isEmpty();
  }
}
