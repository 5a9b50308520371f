package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The console's first screen with the demo day, as a new investigator sees it on a laptop (1366 x 768), in
 * Chinese: totals, buttons and times on one line, the chart over the data's own day, the list on the first screen,
 * and the anomaly details in Chinese with local times. Skipped only when Chromium or its driver is not installed.
 */
@Tag("slow")
class ConsoleFirstScreenBrowserTest extends ConsoleBrowserBase {
  @BeforeAll
  static void signInOnALaptopInChinese() {
    driver.manage().window().setSize(new Dimension(1366, 768));
    driver.get("http://127.0.0.1:" + svc.port() + "/console/");
    ((JavascriptExecutor) driver).executeScript("sessionStorage.setItem('ts.lang', 'zh');");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key"))).sendKeys(investigator);
    driver.findElement(By.id("signin")).click();
    wait.until(d -> d.findElements(By.cssSelector("#rows tr[data-id]")).size() == 50);
    wait.until(d -> !d.findElement(By.id("totals")).getText().isEmpty());
    wait.until(d -> !d.findElements(By.cssSelector("#chart canvas")).isEmpty());
  }

  private static long lines(WebElement e) {
    return (Long) ((JavascriptExecutor) driver).executeScript(
        "var s = getComputedStyle(arguments[0]); var lh = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.2;"
            + " var pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);"
            + " return Math.round((arguments[0].getBoundingClientRect().height - pad) / lh);", e);
  }

  @Test
  void totalsButtonsAndTimesFitOnOneLine() {
    String totals = driver.findElement(By.id("totals")).getText();
    assertTrue(totals.contains("异常") && totals.contains("警报"), totals);
    for (String id : List.of("apply", "reset", "export")) {
      assertEquals(1, lines(driver.findElement(By.id(id))), id + " wraps");
    }
    WebElement time = driver.findElement(By.cssSelector("#rows tr[data-id] td.time"));
    long timeLines = (Long) ((JavascriptExecutor) driver).executeScript("var r = document.createRange();"
        + " r.selectNodeContents(arguments[0]); return r.getClientRects().length;", time);
    assertEquals(1, timeLines, "the time column wraps: " + time.getText());
    assertTrue(driver.findElement(By.id("tz")).getText().contains("本地时间"));
  }

  @Test
  void theChartCoversTheDataDayInTheConsoleLanguage() {
    String note = driver.findElement(By.id("totals")).getText().replaceFirst("：.*", "");
    List<String> ends = List.of(note.split(" 至 "));
    assertEquals(2, ends.size(), note);
    // 24 hours, not 7 days: the demo's day fills the chart
    long hours = (Long) ((JavascriptExecutor) driver).executeScript(
        "return Math.round((Date.parse(arguments[1].replace(' ', 'T')) - Date.parse(arguments[0].replace(' ', 'T')))"
            + " / 3600000);", ends.get(0), ends.get(1));
    assertEquals(24, hours, note);
    String legend = driver.findElement(By.cssSelector("#chart .u-legend")).getText();
    assertTrue(legend.contains("时间"), legend);
    assertFalse(legend.contains("Time"), legend);
    String axis = (String) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll('#chart .u-axis')).map(function (a) { return a.textContent; })"
            + ".join(' ');");
    assertFalse(axis.matches("(?s).*\\b(AM|PM|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\\b.*"), axis);
  }

  @Test
  void aRangeLongerThanTheChartShowsItsLatestHours() {
    JavascriptExecutor js = (JavascriptExecutor) driver;
    // textContent: Selenium's text is only what shows, and the note may be scrolled out of view
    java.util.function.Supplier<String> chartNote = () -> (String) js.executeScript(
        "return document.getElementById('chart-note').textContent;");
    String before = chartNote.get();
    // 60 days: the summary answers the latest 1,000 hours, and the chart drew the first 1,000 (all before the demo's
    // day), so the anomalies of the last hours were not on it
    js.executeScript("var d = new Date(Date.now() - 60 * 86400000 - new Date().getTimezoneOffset() * 60000);"
        + " document.getElementById('f-from').value = d.toISOString().slice(0, 16);");
    driver.findElement(By.id("apply")).click();
    try {
      wait.until(d -> !chartNote.get().equals(before));
    } catch (org.openqa.selenium.TimeoutException e) {
      throw new AssertionError("chart note stayed " + before + "; from=" + js.executeScript(
          "return document.getElementById('f-from').value") + " error=" + driver.findElement(By.id("error")).getText(), e);
    }
    String note = chartNote.get();
    List<String> ends = List.of(note.replaceFirst("：.*", "").split(" 至 "));
    assertEquals(2, ends.size(), note);
    long hours = (Long) js.executeScript(
        "return Math.round((Date.parse(arguments[1].replace(' ', 'T')) - Date.parse(arguments[0].replace(' ', 'T')))"
            + " / 3600000);", ends.get(0), ends.get(1));
    assertTrue(hours >= 999 && hours <= 1000, "the chart's range: " + note);

    js.executeScript("document.getElementById('f-from').value = '';");
    driver.findElement(By.id("apply")).click();
    wait.until(d -> chartNote.get().equals(before));
  }

  @Test
  void theListStartsOnTheFirstScreenWithDetailsInChineseAndLocalTimes() {
    long below = (Long) ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0); return Math.round("
        + "document.querySelector('#rows tr[data-id]').getBoundingClientRect().top + 24 - window.innerHeight);");
    assertTrue(below <= 0, "the first anomaly row starts " + below + " px too low for the first screen");
    boolean sawSale = false;
    for (WebElement row : driver.findElements(By.cssSelector("#rows tr[data-id]"))) {
      String detail = row.findElements(By.tagName("td")).get(7).getText();
      assertFalse(detail.matches(".*\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d.*Z.*"), "a UTC time in " + detail);
      assertFalse(detail.startsWith("sold ") || detail.startsWith("split "), "English in Chinese mode: " + detail);
      sawSale |= detail.contains("售出");
    }
    assertTrue(sawSale, "no translated 'sold at' detail on the first page");
  }
}
