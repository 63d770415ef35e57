package dev.weft.executor.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link ForkServerTest} on {@code fork-server.py}: the helper taken where python3 (3.8 or later) is on the PATH. */
class PythonForkServerTest extends ForkServerTest {
  @Override
  ForkServer.Helpers helper() {
    return ForkServer.Helpers.PYTHON;
  }

  @Test
  void shouldTakeAPythonBinaryOverAWrapperEarlierOnThePathAndTheWrapperWhenItIsTheOnlyOne() throws Exception {
    Path binary = ForkServer.onThisHost(ForkServer.Helpers.PYTHON).orElseThrow().interpreter().toRealPath();
    Path dir = Files.createDirectories(work.resolve("shims"));
    // As pyenv's shim: a script named python3, which says nothing of its version until it is run.
    Path wrapper = Files.writeString(dir.resolve("python3"), "#!/bin/sh\nexec " + binary + " \"$@\"\n");
    assertThat(wrapper.toFile().setExecutable(true)).isTrue();

    Path bin = Files.createDirectories(work.resolve("bin"));
    Path linked = Files.createSymbolicLink(bin.resolve("python3"), binary); // as /usr/bin/python3 -> python3.11

    assertThat(ForkServer.onPath(ForkServer.Helpers.PYTHON, dir + ":" + bin).orElseThrow().interpreter())
        .isEqualTo(linked);
    assertThat(ForkServer.onPath(ForkServer.Helpers.PYTHON, dir.toString()).orElseThrow().interpreter())
        .isEqualTo(wrapper);
  }
}
