package dev.weft.executor.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.LaunchException;
import dev.weft.spec.SpecJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerPolicyTest {
  @TempDir Path dir;

  private static ContainerSpec spec(String json) throws Exception {
    return ContainerSpec.parse(SpecJson.MAPPER.readTree(json));
  }

  private static void assertRefused(ContainerPolicy policy, String json, String rule) {
    assertThatThrownBy(() -> policy.check(spec(json)))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("rule " + rule);
  }

  @Test
  void shouldRefuseRootTheHostRootAndTheEngineSocketByDefault() {
    ContainerPolicy p = ContainerPolicy.localDefault();
    assertRefused(p, "{\"image\": \"busybox\", \"user\": \"0\"}", "container.allowRoot");
    assertRefused(p, "{\"image\": \"busybox\", \"user\": \"root:1000\"}", "container.allowRoot");
    assertRefused(p, "{\"image\": \"busybox\", \"mounts\": [{\"source\": \"/\", \"target\": \"/h\"}]}",
        "container.mountSources");
    assertRefused(p, "{\"image\": \"busybox\", \"mounts\": [{\"source\": \"/var/run/docker.sock\", \"target\": \"/s\"}]}",
        "container.mountSources");
    assertRefused(p, "{\"image\": \"busybox\", \"mounts\": [{\"source\": \"/run\", \"target\": \"/r\"}]}",
        "container.mountSources");
    assertRefused(p, "{\"image\": \"busybox\", \"network\": \"host\"}", "container.allowHostNetwork");
    assertRefused(p, "{\"image\": \"busybox\", \"mounts\": [{\"source\": \"/etc\", \"target\": \"/e\"}]}",
        "container.mountSources");
  }

  @Test
  void shouldAllowWhatTheLocalDefaultAllows() throws Exception {
    ContainerPolicy p = ContainerPolicy.localDefault();
    Path data = Files.createDirectories(dir.resolve("data"));
    assertThatCode(() -> p.check(spec("{\"image\": \"local/busybox:1\", \"user\": \"1000:1000\", \"network\": \"bridge\","
        + " \"readOnlyRootFilesystem\": false, \"mounts\": [{\"source\": \"" + data + "\", \"target\": \"/d\"}]}")))
        .doesNotThrowAnyException();
  }

  @Test
  void shouldSeeThroughASymbolicLinkToTheHostRoot() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("innocent"), Path.of("/"));
    assertRefused(ContainerPolicy.localDefault(),
        "{\"image\": \"busybox\", \"mounts\": [{\"source\": \"" + link + "\", \"target\": \"/h\"}]}",
        "container.mountSources");
  }

  @Test
  void shouldAllowTheHostRootOrTheSocketOnlyWhenNamedExactly() throws Exception {
    ContainerPolicy named = new ContainerPolicy(List.of("*"), List.of("/", "/var/run/docker.sock"), false, false, false,
        false);
    assertThatCode(() -> named.check(spec("{\"image\": \"b\", \"mounts\": [{\"source\": \"/\", \"target\": \"/h\"}]}")))
        .doesNotThrowAnyException();
    assertThatCode(() -> named.check(spec(
        "{\"image\": \"b\", \"mounts\": [{\"source\": \"/var/run/docker.sock\", \"target\": \"/s\"}]}")))
        .doesNotThrowAnyException();
    // Naming / allows mounts under it, but not the directory that holds the socket.
    assertRefused(named, "{\"image\": \"b\", \"mounts\": [{\"source\": \"/run\", \"target\": \"/r\"}]}",
        "container.mountSources");
  }

  @Test
  void shouldEnforceImagesNetworkAndWritableRootWhenTheOperatorNarrowsThem() {
    ContainerPolicy strict = new ContainerPolicy(List.of("registry.example.com/etl/*"), List.of(), false, false, false,
        false);
    assertRefused(strict, "{\"image\": \"busybox\"}", "container.images");
    assertRefused(strict, "{\"image\": \"registry.example.com/etl/x:1\", \"network\": \"bridge\"}",
        "container.allowNetwork");
    assertRefused(strict, "{\"image\": \"registry.example.com/etl/x:1\", \"readOnlyRootFilesystem\": false}",
        "container.allowWritableRootFilesystem");
    assertThatCode(() -> strict.check(spec("{\"image\": \"registry.example.com/etl/x:1\"}"))).doesNotThrowAnyException();
  }

  @Test
  void shouldTakeTheSocketNamedByDockerHostToo() {
    assertThat(ContainerPolicy.engineSockets("unix:///srv/engine/docker.sock")).contains("/srv/engine/docker.sock");
    assertThat(ContainerPolicy.engineSockets("tcp://127.0.0.1:2375")).doesNotContain("127.0.0.1:2375");
  }
}
