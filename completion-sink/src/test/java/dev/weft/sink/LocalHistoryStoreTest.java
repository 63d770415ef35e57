package dev.weft.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalHistoryStoreTest {
  @TempDir
  Path root;

  @Test
  void shouldCreateOnceAndNeverReplace() throws Exception {
    LocalHistoryStore store = new LocalHistoryStore(root);

    assertThat(store.create("runs/p/2026/12/01/r1/run.json", bytes("first"))).isTrue();
    assertThat(store.create("runs/p/2026/12/01/r1/run.json", bytes("second"))).isFalse();

    assertThat(store.read("runs/p/2026/12/01/r1/run.json")).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("first")));
    assertThat(store.read("runs/p/2026/12/01/r1/none.json")).isEmpty();
  }

  @Test
  void shouldLetExactlyOneOfManyConcurrentCreatesWinWithAWholeObject() throws Exception {
    LocalHistoryStore store = new LocalHistoryStore(root);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        byte[] body = bytes(("writer " + i + " ").repeat(10_000));
        results.add(pool.submit((Callable<Boolean>) () -> store.create("k/obj.json", body)));
      }
      int won = 0;
      for (Future<Boolean> f : results) if (f.get()) won++;
      assertThat(won).isEqualTo(1);
    }  finally {
      pool.shutdown();
    }
    String content = new String(store.read("k/obj.json").orElseThrow(), StandardCharsets.UTF_8);
    // Whole, and one writer's: its first words repeated, never two writers interleaved or a short file.
    String word = content.substring(0, content.indexOf(' ', 7) + 1);
    assertThat(content).isEqualTo(word.repeat(10_000));
    assertThat(store.listAll("")).containsExactly("k/obj.json");
    try (var files = Files.list(root.resolve("k"))) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("obj.json");
    }
  }

  @Test
  void shouldHideAndRemoveTheTemporaryFileOfAnInterruptedWrite() throws Exception {
    LocalHistoryStore store = new LocalHistoryStore(root);
    store.create("runs/p/2026/12/01/r1/run.json", bytes("{}"));
    // What a kill -9 between writing the temporary file and linking it leaves behind.
    Path leftover = root.resolve("runs/p/2026/12/01/r1/.task.json.tmp-1234");
    Files.writeString(leftover, "{\"half");

    assertThat(store.list("runs/p/2026/12/01/r1/").objects()).containsExactly("runs/p/2026/12/01/r1/run.json");
    assertThat(store.listAll("runs/")).containsExactly("runs/p/2026/12/01/r1/run.json");
    store.removeLeftovers();
    assertThat(leftover).doesNotExist();
  }

  @Test
  void shouldListOneLevelLikeAnS3DelimiterListing() throws Exception {
    LocalHistoryStore store = new LocalHistoryStore(root);
    store.create("runs/p/2026/12/01/r1/run.json", bytes("{}"));
    store.create("runs/p/2026/12/02/r2/run.json", bytes("{}"));
    store.create("runs/q/2026/11/30/r3/run.json", bytes("{}"));

    assertThat(store.list("runs/").directories()).containsExactly("runs/p/", "runs/q/");
    assertThat(store.list("runs/p/2026/12/").directories()).containsExactly("runs/p/2026/12/01/", "runs/p/2026/12/02/");
    assertThat(store.list("runs/nope/").directories()).isEmpty();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
