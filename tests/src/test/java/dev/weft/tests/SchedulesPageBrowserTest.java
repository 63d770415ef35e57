package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.avro.RequestKind;
import dev.weft.client.WeftClient;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.spec.PipelineSpecs;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The schedules page in a real browser, on a real broker: reached from the run list, it shows a schedule applied
 * with the client (its name a link to its runs), follows it as it fires (its active run is a link to that run's page), shows it paused once a
 * pause request is folded, and shows its params as text.
 */
class SchedulesPageBrowserTest {
  @Test
  void shouldListAScheduleFollowItsRunsAndShowItPaused() throws Exception {
    ChromeDriver browser = HeadlessChromium.start();
    try (IsolatedWeft w = new IsolatedWeft("ui-schedules", 1)) {
      w.startExecutor(new NoopBackend());
      String yaml = """
          pipeline: ui-ticker
          params: {note: none, slot: none}
          schedule:
            cron: "*/2 * * * * *"
            timezone: Europe/Berlin
            maxActiveRuns: 1
            params: {slot: "${scheduled.instant}", note: "<b>bold</b>"}
          tasks:
            - id: tick
              executor: noop
              noop: {sleep: 30s}
          """;
      WeftClient client = w.client();
      client.applySchedule(PipelineSpecs.parse(yaml));
      String base = "http://127.0.0.1:" + w.coordinator().apiPort();
      // The table is rebuilt every two seconds, so an element found a moment ago may be gone by the time it is read
      // or clicked: every wait looks it up again instead of failing.
      WebDriverWait wait = new WebDriverWait(browser, RunPageBrowserTest.WAIT);
      wait.ignoring(StaleElementReferenceException.class);

      browser.get(base + "/");
      wait.until(ExpectedConditions.elementToBeClickable(By.linkText("schedules"))).click();
      String row = "tr[data-schedule='ui-ticker']";
      wait.until(d -> !d.findElements(By.cssSelector(row)).isEmpty());
      assertThat(text(wait, row)).contains("*/2 * * * * * (Europe/Berlin)").contains("note: <b>bold</b>");
      assertThat(browser.findElements(By.cssSelector("#schedules b"))).as("params are text").isEmpty();
      assertThat(text(wait, row + " .state")).isEqualTo("active");
      String runsOfIt = wait.until(d -> d.findElement(By.cssSelector(row + " .name a")).getAttribute("href"));
      assertThat(runsOfIt).as("the schedule's runs, in the run list").isEqualTo(base + "/?pipeline=ui-ticker");

      // It fires; its run (30 s long, at most one active) is listed as a link while it runs.
      String activeRun = row + " .active-runs a";
      wait.until(d -> !d.findElements(By.cssSelector(activeRun)).isEmpty());
      String runId = text(wait, activeRun);
      assertThat(text(wait, row + " .last-fired")).isNotEqualTo("never");
      assertThat(text(wait, row + " .runs-started")).isEqualTo("1");
      wait.until(d -> {
        d.findElement(By.cssSelector(activeRun)).click();
        return true;
      });
      wait.until(ExpectedConditions.textToBe(By.id("run-id"), runId));
      wait.until(ExpectedConditions.textToBe(By.id("run-pipeline"), "ui-ticker"));

      // Paused through the log (as `weft schedule pause` does): the page shows it without reloading.
      browser.navigate().back();
      wait.until(d -> !d.findElements(By.cssSelector(row)).isEmpty());
      ((JavascriptExecutor) browser).executeScript(RunPageBrowserTest.MARKER + " = 'still here';");
      client.changeSchedule(RequestKind.SCHEDULE_PAUSE, "ui-ticker");
      wait.until(ExpectedConditions.attributeToBe(By.cssSelector(row), "data-paused", "true"));
      assertThat(text(wait, row + " .state")).isEqualTo("paused");
      assertThat(browser.executeScript("return " + RunPageBrowserTest.MARKER + ";")).isEqualTo("still here");
    } finally {
      browser.quit();
    }
  }

  /** The text of what {@code css} finds, read again if the page replaced it in between. */
  private static String text(WebDriverWait wait, String css) {
    return wait.until(d -> d.findElement(By.cssSelector(css)).getText());
  }
}
