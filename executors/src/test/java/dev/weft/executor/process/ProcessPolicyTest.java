package dev.weft.executor.process;

import static dev.weft.executor.Specs.process;
import static dev.weft.executor.Specs.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.avro.FailureKind;
import dev.weft.executor.RecordingListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.LaunchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessPolicyTest {
  @TempDir Path base;
  private ProcessBackend backend;

  @AfterEach
  void tearDown() {
    if (backend != null) backend.close();
  }

  @Test
  void shouldRunTasksAsThePolicysUnprivilegedUser() throws Exception {
    // The suite runs as root (CI is root), which may switch users; as anyone else setpriv refuses and this fails.
    Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    backend = new ProcessBackend(base, null, new ProcessPolicy("65534:65534", List.of()));
    RecordingListener listener = new RecordingListener();

    backend.launch(request(process("who", List.of("sh", "-c", "echo uid=$(id -u) gid=$(id -g) groups=$(id -G)"),
        Map.of(), null)), listener);
    AttemptOutcome outcome = listener.await(Duration.ofSeconds(10));

    assertThat(outcome.succeeded()).as("outcome %s", outcome).isTrue();
    assertThat(outcome.logTail()).contains("uid=65534 gid=65534 groups=65534");
  }

  @Test
  void shouldRefuseAWorkdirOutsideThePolicysDirectoriesWithTheRuleInTheReason() throws Exception {
    Path allowed = Files.createDirectories(base.resolve("allowed"));
    Files.createDirectories(base.resolve("elsewhere"));
    backend = new ProcessBackend(base, null, new ProcessPolicy(null, List.of(allowed.toString())));

    assertThatThrownBy(() -> backend.launch(request(process("t", List.of("true"), Map.of(), "elsewhere")),
        new RecordingListener()))
        .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.kind()).isEqualTo(FailureKind.INVALID_SPEC))
        .hasMessageContaining("rule process.directories").hasMessageContaining("elsewhere");
    // A path that climbs out of an allowed directory is judged where it lands.
    assertThatThrownBy(() -> backend.launch(request(process("t", List.of("true"), Map.of(), "allowed/../elsewhere")),
        new RecordingListener())).hasMessageContaining("rule process.directories");

    RecordingListener ok = new RecordingListener();
    backend.launch(request(process("t", List.of("true"), Map.of(), "allowed")), ok);
    assertThat(ok.await(Duration.ofSeconds(10)).succeeded()).isTrue();
  }

  @Test
  void shouldResolveAUserNameAndRefuseAnUnknownOne() {
    assertThat(new ProcessPolicy("nobody", List.of()).user()).hasValueSatisfying(u -> assertThat(u.uid()).isEqualTo(65534));
    assertThat(new ProcessPolicy(null, List.of()).user()).isEmpty();
    assertThatThrownBy(() -> new ProcessPolicy("no-such-user-here", List.of()).user())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no user of this host");
  }
}
