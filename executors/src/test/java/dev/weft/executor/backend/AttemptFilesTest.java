package dev.weft.executor.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttemptFilesTest {
  private static final AttemptId ID = new AttemptId("run-1", "load[3]", 2);

  @Test
  void shouldReadTheResultAndTurnAYamlFragmentIntoJsonThenDeleteTheDirectory(@TempDir Path base) throws Exception {
    AttemptFiles files = AttemptFiles.create(base, ID);
    Files.writeString(files.resultFile(), " [1, \"two\", {\"x\": 3}]\n");
    Files.writeString(files.spawnFile(), "- {id: s, executor: noop}\n");

    AttemptFiles.Collected c = files.collect();

    assertThat(c.problem()).isNull();
    assertThat(c.resultJson()).isEqualTo("[1,\"two\",{\"x\":3}]");
    assertThat(c.spawnedJson()).isEqualTo("[{\"id\":\"s\",\"executor\":\"noop\"}]");
    assertThat(files.dir()).doesNotExist();
  }

  @Test
  void shouldNameWhatIsWrongWithAResult(@TempDir Path base) throws Exception {
    AttemptFiles notJson = AttemptFiles.create(base, ID);
    Files.writeString(notJson.resultFile(), "a.csv\nb.csv\n");
    assertThat(notJson.collect().problem()).startsWith("the result in $WEFT_RESULT_FILE is not JSON");

    AttemptFiles tooLarge = AttemptFiles.create(base, ID);
    Files.write(tooLarge.resultFile(), new byte[AttemptFiles.MAX_BYTES + 1]);
    assertThat(tooLarge.collect().problem()).contains("holds more than 1048576 bytes (1 MiB)");

    AttemptFiles nothing = AttemptFiles.create(base, ID);
    assertThat(nothing.collect()).isEqualTo(AttemptFiles.Collected.NOTHING);
  }

  @Test
  void shouldSetTheFilesInTheTaskEnvironmentOverTheTasksOwn() {
    var env = TaskEnvironment.over(java.util.Map.of("WEFT_RESULT_FILE", "/elsewhere", "A", "b"), ID, "/r", "/s");
    assertThat(env).containsEntry("WEFT_RESULT_FILE", "/r").containsEntry("WEFT_SPAWN_FILE", "/s")
        .containsEntry("A", "b").containsEntry("WEFT_TASK_ID", "load[3]");
  }
}
