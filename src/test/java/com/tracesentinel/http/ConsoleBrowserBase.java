package com.tracesentinel.http;

import com.tracesentinel.TraceSentinel;
import com.tracesentinel.demo.DemoData;
import com.tracesentinel.support.TestService;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's browser tests: one real service with the demo day and an investigator's key, and headless Chromium
 * (Debian's chromium and chromium-driver) on it, for all of a class's tests. A class is skipped only when the browser
 * or its driver is not installed. The methods here have names of their own: a subclass's {@code start} would hide
 * them from JUnit.
 */
abstract class ConsoleBrowserBase {
  static final File CHROMIUM = new File("/usr/bin/chromium");
  static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

  static TestService svc;
  static WebDriver driver;
  static WebDriverWait wait;
  static String investigator;

  @BeforeAll
  static void startServiceAndChromium() throws Exception {
    Assumptions.assumeTrue(CHROMIUM.canExecute() && CHROMEDRIVER.canExecute(),
        "browser test skipped: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    svc = TestService.start();
    TraceSentinel.await(DemoData.load(svc.app().services(), new PrintStream(PrintStream.nullOutputStream())));
    investigator = svc.key("investigator", null);
    driver = chrome();
    wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    wait.ignoring(StaleElementReferenceException.class);
  }

  /** Headless Chromium with a fresh profile; both paths given, so Selenium Manager never runs (no downloads). */
  private static WebDriver chrome() throws Exception {
    Path profile = com.tracesentinel.support.Scratch.dir("tracesentinel-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--disable-extensions", "--window-size=1400,1000",
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** Cleared, so that the next class in this JVM never closes what this one closed. */
  @AfterAll
  static void closeChromiumAndService() throws Exception {
    if (driver != null) {
      driver.quit();
      driver = null;
    }
    if (svc != null) {
      svc.close();
      svc = null;
    }
  }
}
