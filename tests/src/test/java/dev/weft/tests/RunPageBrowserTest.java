package dev.weft.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.weft.client.SubmittedRun;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.process.ProcessBackend;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 17 §2 in a real browser: the run page of a run in flight, on a real broker, shows a task change state
 * without reloading, links a tracking URL, cancels a task with its button, and shows hostile log lines and params
 * as text. Its screenshot is kept as {@code target/ui/run-page.png}.
 */
class RunPageBrowserTest {
  static final Duration WAIT = Duration.ofSeconds(60);
  /** Set by the test in the page; a reload would lose it. */
  static final String MARKER = "window.__weftTestMarker";

  @Test
  void shouldShowARunLiveFollowItsTrackingUrlCancelATaskAndRunNoInjectedScript() throws Exception {
    HttpServer tracked = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    tracked.createContext("/work", ex -> {
      byte[] page = "<!doctype html><title>tracked</title><h1 id='tracked'>the tracked work</h1>"
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      ex.sendResponseHeaders(200, page.length);
      ex.getResponseBody().write(page);
      ex.close();
    });
    tracked.start();
    String trackingUrl = "http://127.0.0.1:" + tracked.getAddress().getPort() + "/work";
    ChromeDriver browser = HeadlessChromium.start();
    try (IsolatedWeft w = new IsolatedWeft("ui-browser", 1)) {
      w.startExecutor(new NoopBackend());
      w.startExecutor(new ProcessBackend(w.dir, null), b -> b.groupId(w.prefix + "process"));
      String yaml = """
          pipeline: ui-browser
          params: {note: "<script>window.pwned = 3</script>"}
          tasks:
            - id: gate
              executor: noop
              noop: {sleep: 20s}
            - id: after-gate
              dependsOn: [gate]
              executor: noop
            - id: watched
              executor: noop
              noop: {sleep: 10m, trackingUrl: "%s"}
            - id: doomed
              executor: noop
              noop: {sleep: 10m}
            - id: tomorrow
              dependsOn: [gate]
              executor: noop
              notBefore: "2099-01-01T00:00:00Z"
            - id: hostile
              executor: process
              retry: {maxAttempts: 1}
              process: {argv: ["sh", "-c", "echo '<script>window.pwned = 1</script>'; echo '<img src=x onerror=\\"window.pwned = 2\\">' >&2; exit 3"]}
          """.formatted(trackingUrl);
      SubmittedRun run = w.submit(yaml, Map.of());
      String base = "http://127.0.0.1:" + w.coordinator().apiPort();
      WebDriverWait wait = new WebDriverWait(browser, WAIT);

      browser.get(base + "/runs/" + run.runId());
      wait.until(ExpectedConditions.textToBe(By.id("run-id"), run.runId()));
      wait.until(d -> "RUNNING".equals(state(d.findElement(By.cssSelector("tr[data-task='gate']")))));
      wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-task='tomorrow'] .state"),
          "PENDING (waits for its dependencies, then until 2099-01-01T00:00:00Z)"));
      ((JavascriptExecutor) browser).executeScript(MARKER + " = 'still here';");

      // Live: gate finishes and after-gate runs, while the page stays the same page.
      wait.until(d -> "SUCCEEDED".equals(state(d.findElement(By.cssSelector("tr[data-task='after-gate']")))));
      assertThat(state(browser.findElement(By.cssSelector("tr[data-task='gate']")))).isEqualTo("SUCCEEDED");
      assertThat(marker(browser)).as("the page did not reload").isEqualTo("still here");
      // A task whose dependencies are done says the time it waits for.
      wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-task='tomorrow'] .state"),
          "PENDING (waits until 2099-01-01T00:00:00Z)"));

      // Hostile text is text: shown, never run.
      WebElement hostile = browser.findElement(By.cssSelector("tr[data-task='hostile']"));
      wait.until(d -> "FAILED".equals(state(d.findElement(By.cssSelector("tr[data-task='hostile']")))));
      hostile = browser.findElement(By.cssSelector("tr[data-task='hostile']"));
      wait.until(d -> d.findElement(By.cssSelector("tr[data-task='hostile'] .log-tail")).getText()
          .contains("<script>window.pwned = 1</script>"));
      assertThat(hostile.findElement(By.cssSelector(".log-tail")).getText()).contains("<img src=x onerror=");
      assertThat(browser.findElement(By.id("run-params")).getText()).contains("<script>window.pwned = 3</script>");
      assertThat(((JavascriptExecutor) browser).executeScript("return typeof window.pwned")).isEqualTo("undefined");
      assertThat(browser.findElements(By.cssSelector("#tasks script, #tasks img, #run-params *"))).isEmpty();

      // The graph is drawn by the bundled library, one node per task.
      assertThat(((JavascriptExecutor) browser).executeScript("return graph.cy.nodes().length")).isEqualTo(6L);
      assertThat(((JavascriptExecutor) browser).executeScript(
          "return graph.cy.getElementById('gate').data('colour')")).isEqualTo("#2e9e44");

      // Cancel one task with its button.
      wait.until(d -> d.findElement(By.cssSelector("tr[data-task='doomed'] button.cancel-task"))).click();
      wait.until(ExpectedConditions.alertIsPresent()).accept();
      wait.until(d -> "CANCELLED".equals(state(d.findElement(By.cssSelector("tr[data-task='doomed']")))));
      assertThat(state(browser.findElement(By.cssSelector("tr[data-task='watched']")))).isEqualTo("RUNNING");
      assertThat(marker(browser)).as("the page did not reload").isEqualTo("still here");

      Path shot = Files.createDirectories(Path.of("target", "ui")).resolve("run-page.png");
      Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);

      // The tracking URL is a link that leads to the tracked work.
      WebElement link = wait.until(d -> d.findElement(By.cssSelector("tr[data-task='watched'] .tracking-url a")));
      assertThat(link.getAttribute("href")).isEqualTo(trackingUrl);
      link.click();
      wait.until(ExpectedConditions.textToBe(By.id("tracked"), "the tracked work"));

      // The run list finds the run by pipeline and tenant, and not by another tenant.
      browser.get(base + "/?pipeline=ui-browser");
      wait.until(d -> !d.findElements(By.cssSelector("tr[data-run='" + run.runId() + "']")).isEmpty());
      browser.get(base + "/?pipeline=ui-browser&requester=someone-else");
      wait.until(ExpectedConditions.textToBe(By.cssSelector("#runs tbody"), "no runs"));
    } finally {
      browser.quit();
      tracked.stop(0);
    }
  }

  private static String state(WebElement row) {
    return row.getAttribute("data-state");
  }

  private static Object marker(ChromeDriver browser) {
    return browser.executeScript("return " + MARKER + ";");
  }
}
