package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * /verify in headless Chromium (Debian's chromium and chromium-driver): type a code, read the outcome, in Chinese
 * and in English, on a 360 px wide screen. Skipped only when the browser or its driver is not installed.
 */
@Tag("slow")
class VerifyPageBrowserTest {
  private static final String SOLD_TWICE = "(01)06901234567892(17)271231(10)B123(21)BROWSER1";
  private static TestService svc;
  private static WebDriver browser;
  private static Path profile;

  @BeforeAll
  static void start() throws Exception {
    File chromium = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium");
    File driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
    Assumptions.assumeTrue(chromium != null && driver != null,
        "browser test skipped: needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    // The photo test is about what the page sends, not the decode budget: on a box busy enough that the shrunk photo
    // took over the default 2 s, the hurried read found no code and the outcome was ERROR.
    svc = TestService.start(Map.of("TRACESENTINEL_LOOKUPS_PER_MINUTE", "10000", "TRACESENTINEL_DECODE_BUDGET_MS",
        "60000"));
    svc.sites("BP1", "110105", "BP2", "440305");
    for (String site : new String[] {"BP1", "BP2"}) {
      JsonObject scan = new JsonObject().put("code", SOLD_TWICE).put("siteId", site).put("documentNo", "B-" + site);
      assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, scan).status());
    }
    profile = com.tracesentinel.support.Scratch.dir("verify-chromium");
    ChromeOptions options = new ChromeOptions().setBinary(chromium).addArguments("--headless=new", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--window-size=360,740", "--lang=zh-CN");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver)
        .usingAnyFreePort().build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(360, 740));
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (svc != null) {
      svc.close();
    }
  }

  private static File firstExisting(String... paths) {
    for (String p : paths) {
      File f = new File(p);
      if (f.canExecute()) {
        return f;
      }
    }
    return null;
  }

  private static String check(String code) {
    browser.get("http://127.0.0.1:" + svc.port() + "/verify");
    WebElement input = browser.findElement(By.id("code"));
    input.clear();
    input.sendKeys(code);
    browser.findElement(By.id("check")).click();
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
    wait.until(ExpectedConditions.attributeToBeNotEmpty(browser.findElement(By.id("result")), "data-outcome"));
    return browser.findElement(By.id("result")).getAttribute("data-outcome");
  }

  @Test
  void aBoxSoldTwiceTellsThePublicToKeepItAndReportIt() {
    assertEquals("MULTIPLE_SALES", check(SOLD_TWICE));
    assertEquals("多次销售：请保留药盒并举报", browser.findElement(By.id("outcome")).getText());
    assertTrue(browser.findElement(By.id("message")).getText().contains("医保局"));
    assertEquals(2, browser.findElements(By.cssSelector("#sales li")).size());
    assertTrue(browser.findElement(By.id("sales")).getText().contains("Pharmacy BP1"));
    WebElement report = browser.findElement(By.id("report"));
    assertTrue(report.isDisplayed());
    assertEquals("tel:12393", report.getAttribute("href"));
    assertTrue(report.getText().contains("12393"), report.getText());

    // The English toggle redraws the same answer.
    browser.findElement(By.id("lang")).click();
    assertEquals("Sold more than once: keep the box and report it", browser.findElement(By.id("outcome")).getText());
    assertTrue(browser.findElement(By.id("message")).getText().contains("insurance bureau"));
    assertEquals("en", browser.findElement(By.tagName("html")).getAttribute("lang"));
    browser.findElement(By.id("lang")).click();
    assertEquals("zh-CN", browser.findElement(By.tagName("html")).getAttribute("lang"));
  }

  @Test
  void eachOtherOutcomeSaysWhatToDoNext() {
    assertEquals("NO_SALE_RECORD", check("(01)06901234567892(21)NEVER-SOLD"));
    assertTrue(browser.findElement(By.id("message")).getText().contains("稍后再查"));
    assertFalse(browser.findElement(By.id("report")).isDisplayed());
    assertEquals("INVALID_CODE", check("12345"));
    assertEquals("不是有效的追溯码", browser.findElement(By.id("outcome")).getText());
    assertTrue(browser.findElement(By.id("message")).getText().contains("核对"));
  }

  @Test
  void aLinkWithTheCodeShowsItsOutcome() {
    browser.get("http://127.0.0.1:" + svc.port() + "/verify?lang=en&code="
        + java.net.URLEncoder.encode(SOLD_TWICE, java.nio.charset.StandardCharsets.UTF_8));
    new WebDriverWait(browser, Duration.ofSeconds(20)).until(ExpectedConditions.attributeToBe(
        browser.findElement(By.id("result")), "data-outcome", "MULTIPLE_SALES"));
    assertEquals("Sold more than once: keep the box and report it", browser.findElement(By.id("outcome")).getText());
    browser.findElement(By.id("lang")).click(); // back to Chinese for the other tests (remembered by the page)
  }

  @Test
  void aCodeTypedInFullWidthIsTheSameCode() {
    StringBuilder fullWidth = new StringBuilder();
    SOLD_TWICE.chars().forEach(c -> fullWidth.append((char) (c + 0xFEE0))); // ASCII '!'..'~' to U+FF01..U+FF5E
    assertEquals("MULTIPLE_SALES", check(fullWidth.toString()));
  }

  @Test
  void aBoxSoldAfterItWasDestroyedIsAnAlarmNotSoldOnce() {
    // ONE_SALE with destroyed: the page headed it "已销售一次" in the reassuring green, the recall only in the text.
    String code = "(01)06901234567892(21)DESTROYED1";
    java.time.Instant now = java.time.Instant.now();
    JsonObject destroy = new JsonObject().put("code", code).put("type", "DESTROY").put("siteId", "BP1")
        .put("documentNo", "D-1").put("scannedAt", now.minusSeconds(7200).toString());
    JsonObject sale = new JsonObject().put("code", code).put("siteId", "BP2").put("documentNo", "S-1")
        .put("scannedAt", now.minusSeconds(3600).toString());
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, destroy).status());
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, sale).status());

    assertEquals("ONE_SALE", check(code));
    assertEquals("已登记销毁或召回：请勿使用，请保留药盒并举报", browser.findElement(By.id("outcome")).getText());
    assertEquals("rgba(176, 0, 32, 1)", browser.findElement(By.id("result")).getCssValue("border-left-color"));
    assertTrue(browser.findElement(By.id("report")).isDisplayed());
  }

  @Test
  void aMistypedCodeIsNeutralAndSaysWhy() {
    assertEquals("INVALID_CODE", check("8100001000000710000")); // 19 digits
    WebElement result = browser.findElement(By.id("result"));
    // not the alarm red of "sold more than once"
    assertNotEquals("rgba(176, 0, 32, 1)", result.getCssValue("border-left-color"));
    assertTrue(browser.findElement(By.id("details")).getText().contains("20 位数字"),
        browser.findElement(By.id("details")).getText());
    assertEquals("", browser.findElement(By.id("updated")).getText(), "a data time for a code never looked up");
    assertFalse(browser.findElement(By.id("report")).isDisplayed());
  }

  @Test
  void atThreeHundredSixtyPixelsNothingWrapsInTheMiddle() {
    check(SOLD_TWICE);
    browser.findElement(By.id("lang")).click(); // English: "中文" and the English title
    try {
      WebElement toggle = browser.findElement(By.id("lang"));
      assertEquals("中文", toggle.getText());
      assertTrue(toggle.getSize().getHeight() <= 48, "the toggle wraps: " + toggle.getSize());
      long titleLines = (Long) ((JavascriptExecutor) browser).executeScript(
          "var h = document.getElementById('title'); var lh = parseFloat(getComputedStyle(h).lineHeight);"
              + " return Math.round(h.getBoundingClientRect().height / lh);");
      assertTrue(titleLines <= 2, titleLines + " title lines");
      assertFalse(browser.findElement(By.id("title")).getText().contains("-"), "a hyphen the title can break at");
      // the canonical code: GS1, broken only between its (AI) parts, never inside one
      WebElement code = browser.findElement(By.cssSelector("#details .code"));
      long lines = lines(code);
      assertTrue(lines <= 2, lines + " lines for " + code.getText());
    } finally {
      browser.findElement(By.id("lang")).click();
    }
    // a 20-digit code on one line
    String cn20 = "81000010000007100000";
    check(cn20);
    WebElement code = browser.findElement(By.cssSelector("#details .code"));
    assertEquals(1L, lines(code), "the 20-digit code wraps");
    assertEquals(cn20, code.getText());
  }

  @Test
  void aPhotoOfMoreThanFortyMegapixelsIsShrunkBeforeItIsSent() throws Exception {
    // A 48-megapixel phone photo can weigh well under 8 MiB: the page shrank only heavy files, so the service
    // refused this one (413, 41 megapixels in 1 MB) and the page said the photo could not be read.
    int side = 6400;
    java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(side, side,
        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    java.awt.Graphics2D g = image.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, side, side);
    com.google.zxing.common.BitMatrix qr = new com.google.zxing.qrcode.QRCodeWriter()
        .encode(SOLD_TWICE, com.google.zxing.BarcodeFormat.QR_CODE, 0, 0);
    int module = 2400 / qr.getWidth();
    g.setColor(java.awt.Color.BLACK);
    for (int y = 0; y < qr.getHeight(); y++) {
      for (int x = 0; x < qr.getWidth(); x++) {
        if (qr.get(x, y)) {
          g.fillRect(2000 + x * module, 2000 + y * module, module, module);
        }
      }
    }
    g.dispose();
    Path photo = com.tracesentinel.support.Scratch.dir("verify-photo").resolve("box.jpg");
    javax.imageio.ImageIO.write(image, "jpeg", photo.toFile());
    assertTrue(Files.size(photo) < 7 * 1024 * 1024, Files.size(photo) + " bytes");

    browser.get("http://127.0.0.1:" + svc.port() + "/verify");
    browser.findElement(By.id("upload")).sendKeys(photo.toString());
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    wait.until(ExpectedConditions.attributeToBeNotEmpty(browser.findElement(By.id("result")), "data-outcome"));
    assertEquals("MULTIPLE_SALES", browser.findElement(By.id("result")).getAttribute("data-outcome"),
        browser.findElement(By.id("message")).getText());
  }

  /** Lines of text an inline element spans: its height over its line height. */
  private static long lines(WebElement inline) {
    return (Long) ((JavascriptExecutor) browser).executeScript("var e = arguments[0];"
        + " var lh = parseFloat(getComputedStyle(e.parentNode).lineHeight);"
        + " return Math.round(e.getBoundingClientRect().height / lh);", inline);
  }

  @Test
  void thePageFitsA360PixelScreen() {
    check(SOLD_TWICE);
    long scrollWidth = (Long) ((JavascriptExecutor) browser)
        .executeScript("return document.documentElement.scrollWidth;");
    long clientWidth = (Long) ((JavascriptExecutor) browser)
        .executeScript("return document.documentElement.clientWidth;");
    assertTrue(scrollWidth <= clientWidth, "horizontal scroll: " + scrollWidth + " > " + clientWidth);
    if (Boolean.getBoolean("verify.screenshot")) { // mvn test -Dtest=VerifyPageBrowserTest -Dverify.screenshot
      try {
        Files.write(Path.of("target", "verify-360.png"),
            ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    // Every input has a label a screen reader announces.
    for (String id : new String[] {"code", "camera", "upload"}) {
      assertEquals(1, browser.findElements(By.cssSelector("label[for=" + id + "]")).size(), id);
    }
  }
}
