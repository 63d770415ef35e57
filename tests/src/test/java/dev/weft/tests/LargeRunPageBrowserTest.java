package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.coordinator.api.CancelRequests;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunLookup;
import dev.weft.coordinator.api.RunPage;
import dev.weft.coordinator.api.RunQuery;
import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The run page of a 5,000-task run stays usable in a real browser: 2,000 tasks in 20 layers plus one mapped task with
 * 3,000 instances. The graph draws the 2,001 nodes without labels (the instances as their parent), the table lists all
 * 5,000, and a state change still shows within seconds. The run is served by the real query API over a fixed
 * lookup: the browser's work is what is measured here, not the coordinator's.
 */
class LargeRunPageBrowserTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void shouldDrawAndUpdateAFiveThousandTaskRun() throws Exception {
    AtomicReference<RunView> run = new AtomicReference<>(run("RUNNING"));
    RunLookup lookup = new RunLookup() {
      @Override
      public Optional<RunView> run(String runId) {
        return Optional.of(run.get());
      }

      @Override
      public RunPage runs(RunQuery query) {
        return new RunPage(List.of(), null);
      }
    };
    ChromeDriver browser = HeadlessChromium.start();
    try (QueryApi api = new QueryApi("127.0.0.1", 0, lookup, Map::of, null, CancelRequests.NONE,
        dev.weft.coordinator.api.ApiTokens.OPEN)) {
      WebDriverWait wait = new WebDriverWait(browser, WAIT);
      wait.ignoring(StaleElementReferenceException.class); // a row read while the page replaces it is read again
      long start = System.nanoTime();
      browser.get("http://127.0.0.1:" + api.port() + "/runs/big");
      wait.until(d -> Long.valueOf(5_000).equals(browser.executeScript("return document.querySelectorAll('#tasks tbody tr').length")));
      wait.until(d -> Long.valueOf(2_001).equals(browser.executeScript("return graph.cy ? graph.cy.nodes().length : 0")));
      long loadedMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(browser.findElement(By.id("graph-note")).getText()).contains("5000 tasks: drawn without labels");
      browser.executeScript("window.__weftTestMarker = 1;");

      run.set(run("SUCCEEDED"));
      long changed = System.nanoTime();
      wait.until(d -> "SUCCEEDED".equals(d.findElement(By.cssSelector("tr[data-task='t-19-99']")).getAttribute("data-state")));
      wait.until(d -> "#2e9e44".equals(browser.executeScript("return graph.cy.getElementById('t-19-99').data('colour')")));
      long updatedMs = (System.nanoTime() - changed) / 1_000_000;
      assertThat(browser.executeScript("return window.__weftTestMarker")).isEqualTo(1L);
      System.out.printf("5,000-task run page: drawn in %d ms, a change shown in %d ms%n", loadedMs, updatedMs);
      assertThat(updatedMs).as("a change shows within a few polls").isLessThan(15_000);
    } finally {
      browser.quit();
    }
  }

  /** 20 layers of 100 tasks, each after two of the layer before, then a task mapped over the last layer. */
  static RunView run(String lastState) {
    List<TaskView> tasks = new ArrayList<>();
    for (int layer = 0; layer < 20; layer++) {
      for (int i = 0; i < 100; i++) {
        List<String> deps = layer == 0 ? List.of() : List.of("t-" + (layer - 1) + "-" + i, "t-" + (layer - 1) + "-" + ((i + 1) % 100));
        String state = layer == 19 && i == 99 ? lastState : layer < 19 ? "SUCCEEDED" : "RUNNING";
        tasks.add(task("t-" + layer + "-" + i, state, null, null, deps));
      }
    }
    tasks.add(task("fan", "RUNNING", 3_000, null, List.of("t-19-0")));
    for (int i = 0; i < 2_999; i++) tasks.add(task("fan[" + i + "]", "RUNNING", null, "fan", List.of("t-19-0")));
    return new RunView("big", "big", "RUNNING", "alice", Map.of(), 1L, null, tasks.size(), Map.of(), null, tasks, null, null);
  }

  static TaskView task(String id, String state, Integer instances, String mapParent, List<String> deps) {
    return new TaskView(id, state, "noop", 1, null, null, null, List.of(), null, null, 1L, null, null, null,
        instances == null ? null : "t-19-0", instances, mapParent, null, deps);
  }
}
