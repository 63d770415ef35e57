package dev.weft.tests;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium, headless, driven through Debian's chromedriver: Selenium is given both paths, so Selenium
 * Manager has nothing to download (the surefire configuration also sets {@code SE_OFFLINE=true}). A machine without
 * them fails the test that asks, with how to install them: a UI test that skips proves nothing.
 */
final class HeadlessChromium {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  private HeadlessChromium() {}

  /**
   * @return a new browser; the caller quits it
   * @throws AssertionError when chromium or chromedriver is not installed
   */
  static ChromeDriver start() {
    for (Path p : new Path[] {CHROMIUM, CHROMEDRIVER}) {
      if (!Files.isExecutable(p)) {
        throw new AssertionError(p + " is missing: install Debian's chromium and chromium-driver "
            + "(sudo tests/install-test-tools.sh)");
      }
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    // --no-sandbox: the suite may run as root, where chromium refuses its sandbox.
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1400,1400", "--no-first-run", "--disable-extensions", "--disable-background-networking");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }
}
