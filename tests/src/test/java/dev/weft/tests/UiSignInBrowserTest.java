package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.coordinator.api.ApiTokens;
import dev.weft.coordinator.api.QueryApi;
import dev.weft.coordinator.api.RunLookup;
import dev.weft.coordinator.api.RunPage;
import dev.weft.coordinator.api.RunQuery;
import dev.weft.coordinator.api.RunView;
import dev.weft.coordinator.api.TaskView;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 17 §4 in a real browser: a UI that asks for a token signs in through its form with a read token, shows the
 * runs, and refuses a cancel; a {@code ?token=} link with an operate token leaves the address bar and may cancel. No
 * script can read the token (its cookie is HttpOnly).
 */
class UiSignInBrowserTest {
  static final String READ = "read-token-ui-0123456789";
  static final String OPERATE = "operate-token-ui-0123456789";

  @Test
  void shouldSignInWithAReadTokenThenCancelOnlyWithAnOperateToken() throws Exception {
    RunView run = new RunView("r-1", "etl", "RUNNING", "alice", Map.of(), 1L, null, 1, Map.of("RUNNING", 1), null,
        List.of(new TaskView("extract", "RUNNING", "noop", 1, null, null, null, List.of(), null, null, 1L, null, null,
            null, null, null, null, null, List.of())), null, null);
    RunLookup lookup = new RunLookup() {
      @Override
      public Optional<RunView> run(String runId) {
        return runId.equals("r-1") ? Optional.of(run) : Optional.empty();
      }

      @Override
      public RunPage runs(RunQuery query) {
        return new RunPage(List.of(run), null);
      }
    };
    List<String> cancels = new CopyOnWriteArrayList<>();
    ChromeDriver browser = HeadlessChromium.start();
    try (QueryApi api = new QueryApi("127.0.0.1", 0, lookup, Map::of, null,
        (runId, task, reason, requester) -> cancels.add(runId + "/" + task), ApiTokens.of(READ, OPERATE))) {
      String base = "http://127.0.0.1:" + api.port();
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));

      browser.get(base + "/runs/r-1");
      wait.until(d -> d.findElement(By.id("token"))).sendKeys(READ);
      browser.findElement(By.id("sign-in")).click();
      wait.until(d -> !d.findElements(By.cssSelector("tr[data-run='r-1']")).isEmpty());
      assertThat(browser.executeScript("return document.cookie")).as("HttpOnly").isEqualTo("");

      browser.get(base + "/runs/r-1");
      wait.until(d -> d.findElement(By.cssSelector("tr[data-task='extract'] button.cancel-task"))).click();
      wait.until(ExpectedConditions.alertIsPresent()).accept();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("action-result"), "forbidden"));
      assertThat(cancels).isEmpty();

      browser.get(base + "/runs/r-1?token=" + OPERATE);
      wait.until(ExpectedConditions.urlToBe(base + "/runs/r-1"));
      wait.until(d -> d.findElement(By.cssSelector("tr[data-task='extract'] button.cancel-task"))).click();
      wait.until(ExpectedConditions.alertIsPresent()).accept();
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("action-result"), "cancel requested"));
      assertThat(cancels).containsExactly("r-1/extract");
    } finally {
      browser.quit();
    }
  }
}
