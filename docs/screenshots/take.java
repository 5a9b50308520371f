// Takes the README's screenshots in headless Chromium (Debian's chromium and chromium-driver) from a running demo:
//   mvn -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
//   java -cp "$(cat /tmp/cp.txt)" docs/screenshots/take.java http://localhost:8080 "$INVESTIGATOR_KEY"
// Writes docs/screenshots/*.png. The demo's FLAGGED code is looked up; a 19-digit code shows the invalid state.
import java.nio.file.*;
import java.time.Duration;
import org.openqa.selenium.*;
import org.openqa.selenium.chrome.*;
import org.openqa.selenium.support.ui.*;

public class Take {
  static WebDriver driver;

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String key = args[1];
    Path profile = Files.createTempDirectory("screenshots-chromium");
    ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium").addArguments("--headless=new",
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        "--user-data-dir=" + profile);
    driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(
        new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build(), options);
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
    try {
      size(360, 800);
      driver.get(base + "/");
      fullPage(360);
      shot("home-360");
      size(360, 800);
      for (String[] v : new String[][] {{"zh", "81000010000007100000", "verify-360-zh-flagged"},
          {"en", "81000010000007100000", "verify-360-en-flagged"},
          {"zh", "8100001000000710000", "verify-360-zh-invalid"},
          {"en", "(01)06901234567892(21)SN0001", "verify-360-en-gs1"}}) {
        driver.get(base + "/verify?lang=" + v[0] + "&code=" + java.net.URLEncoder.encode(v[1], "UTF-8"));
        wait.until(d -> d.findElement(By.id("result")).getAttribute("data-outcome") != null);
        Thread.sleep(300);
        fullPage(360);
        shot(v[2]);
        size(360, 800);
      }
      size(1366, 768);
      driver.get(base + "/");
      shot("home-1366");
      driver.get(base + "/console/");
      ((JavascriptExecutor) driver).executeScript("sessionStorage.setItem('ts.lang', arguments[0]);", "zh");
      driver.navigate().refresh();
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key"))).sendKeys(key);
      driver.findElement(By.id("signin")).click();
      wait.until(d -> d.findElements(By.cssSelector("#rows tr[data-id]")).size() > 0);
      wait.until(d -> !d.findElement(By.id("totals")).getText().isEmpty());
      wait.until(d -> !d.findElements(By.cssSelector("#chart canvas")).isEmpty());
      Thread.sleep(500);
      shot("console-1366-zh");
      driver.findElement(By.cssSelector("#rows tr[data-id] a.code")).click();
      wait.until(d -> d.findElements(By.cssSelector("#timeline-events li")).size() >= 2);
      Thread.sleep(300);
      shot("console-1366-zh-timeline");
      driver.findElement(By.id("timeline-close")).click();
      driver.findElement(By.id("lang")).click();
      wait.until(d -> d.findElement(By.id("apply")).getText().equals("Search"));
      Thread.sleep(1500);
      shot("console-1366-en");
    } finally {
      driver.quit();
    }
  }

  /** The window as tall as the page, so the shot is the whole page at this width. */
  static void fullPage(int w) throws Exception {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    long chrome = (Long) js.executeScript("return window.outerHeight - window.innerHeight;");
    long page = (Long) js.executeScript("return document.documentElement.scrollHeight;");
    size(w, (int) (page + chrome));
    Thread.sleep(300);
    js.executeScript("window.scrollTo(0, 0);");
  }

  static void size(int w, int h) {
    driver.manage().window().setSize(new Dimension(w, h));
  }

  static void shot(String name) throws Exception {
    Files.write(Path.of("docs/screenshots", name + ".png"),
        ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    System.out.println("docs/screenshots/" + name + ".png");
  }
}
