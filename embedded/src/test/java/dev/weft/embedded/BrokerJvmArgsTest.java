package dev.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The child broker's compiler: C1 alone for a dev stack or a test suite, C2 too for the benchmark's broker. */
class BrokerJvmArgsTest {
  private static final Path LOG4J = Path.of("log4j2.properties");

  @Test
  void shouldCompileWithC1AloneByDefault() {
    assertThat(EmbeddedKafka.jvmArgs(LOG4J, false, false)).contains("-XX:TieredStopAtLevel=1");
  }

  @Test
  void shouldLeaveTheOptimisingCompilerOnWhenAsked() {
    assertThat(EmbeddedKafka.jvmArgs(LOG4J, false, true)).noneMatch(a -> a.startsWith("-XX:TieredStopAtLevel"))
        .contains("-Xmx1g");
  }
}
