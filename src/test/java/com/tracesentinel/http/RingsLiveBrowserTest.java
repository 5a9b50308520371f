package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.demo.DemoData;
import com.tracesentinel.support.TestDatabase;
import com.tracesentinel.support.TestService;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The console's ring picture, live alerts and case work in headless Chromium against the real service with the demo
 * day: the demo ring is drawn as a network (Cytoscape.js from its WebJar) and listed; anomalies posted while the
 * live list is on appear in it; a case is taken for review from its row and a selection changed in bulk.
 */
@Tag("slow")
class RingsLiveBrowserTest extends ConsoleBrowserBase {
  @BeforeAll
  static void awaitRingIndex() throws Exception {
    svc.awaitRingIndex();
  }

  private static void screenshot(WebElement element, String name) throws Exception {
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Files.write(dir.resolve(name + ".png"), element.getScreenshotAs(OutputType.BYTES));
  }

  private static Object js(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  @Test
  void theRingIsDrawnAndListedNewAlertsArriveLiveAndCasesChange() throws Exception {
    driver.get("http://127.0.0.1:" + svc.port() + "/console/");
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("key")));
    driver.findElement(By.id("key")).sendKeys(investigator);
    driver.findElement(By.id("signin")).click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));

    // the ring: first in the table, five sites, drawn with one node per site and one edge per pair
    wait.until(d -> !d.findElements(By.cssSelector("#ring-rows tr[data-ring]")).isEmpty());
    WebElement first = driver.findElement(By.cssSelector("#ring-rows tr[data-ring]"));
    List<WebElement> cells = first.findElements(By.tagName("td"));
    assertEquals("5", cells.get(1).getText());
    assertEquals(String.valueOf(DemoData.RING_CODES), cells.get(2).getText());
    assertEquals("2", cells.get(3).getText());
    wait.until(d -> !d.findElements(By.cssSelector("#ring-graph canvas")).isEmpty());
    assertEquals(first.getAttribute("data-ring"), driver.findElement(By.id("ring-graph")).getAttribute("data-ring"));
    // Cytoscape keeps its model on the container; the page's graph is the only instance
    assertEquals(10L, ((Number) js("return document.querySelectorAll('#ring-detail .ring-edges tbody tr').length"))
        .longValue());
    assertEquals(5L, ((Number) js("return document.querySelectorAll('#ring-detail .ring-samples a').length"))
        .longValue());
    driver.findElement(By.id("lang")).click(); // English for the pictures
    wait.until(d -> d.findElement(By.id("ring-find")).getText().equals("Find rings"));
    wait.until(d -> !d.findElements(By.cssSelector("#ring-graph canvas")).isEmpty());
    Thread.sleep(500); // the circle layout settles
    WebElement rings = driver.findElement(By.id("rings-panel"));
    js("document.getElementById('rings-panel').scrollIntoView()");
    screenshot(rings, "console-ring");

    // live alerts: on, then three cloned codes sold in two cities arrive without a reload
    driver.findElement(By.id("live-toggle")).click();
    wait.until(d -> "liveOn".equals(d.findElement(By.id("live-status")).getAttribute("data-state")));
    Instant t = Instant.now().minus(30, ChronoUnit.MINUTES);
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 3; i++) {
      String code = "8100002" + String.format("%013d", 8_800_000L + i);
      scans.add(new JsonObject().put("code", code).put("siteId", "P44030500002").put("documentNo", "L" + i)
          .put("scannedAt", t.plusSeconds(i).toString()));
      scans.add(new JsonObject().put("code", code).put("siteId", "P11010500002").put("documentNo", "M" + i)
          .put("scannedAt", t.plusSeconds(600 + i).toString()));
    }
    assertEquals(200, svc.post("/api/v1/scans", TestService.ADMIN_KEY, new JsonObject().put("scans", scans)).status());
    wait.until(d -> d.findElements(By.cssSelector("#live-list li")).size() == 3);
    String top = driver.findElement(By.cssSelector("#live-list li")).getText();
    assertTrue(top.contains("81000020000008800002") && top.contains("REPEAT_SALE"), top);
    long newest = TestDatabase.count(svc.db(), "SELECT max(id) FROM anomalies");
    assertEquals(String.valueOf(newest), driver.findElement(By.cssSelector("#live-list li")).getAttribute("data-id"));
    js("document.getElementById('live-panel').scrollIntoView()");
    screenshot(driver.findElement(By.id("live-panel")), "console-live");

    // a case: taken for review from its row, with a note; the history shows who and what
    WebElement state = driver.findElement(By.cssSelector("#rows tr[data-id] a.state"));
    String id = state.findElement(By.xpath("./ancestor::tr")).getAttribute("data-id");
    assertEquals("OPEN", state.getAttribute("data-state"));
    state.click();
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("case")));
    wait.until(d -> d.findElements(By.cssSelector("#case-history li")).size() == 1); // "no change yet"
    new Select(driver.findElement(By.id("case-to"))).selectByValue("UNDER_REVIEW");
    driver.findElement(By.id("case-note")).sendKeys("called the pharmacy");
    driver.findElement(By.id("case-save")).click();
    wait.until(d -> "UNDER_REVIEW".equals(d.findElement(By.id("case-state")).getAttribute("data-state")));
    wait.until(d -> d.findElement(By.id("case-history")).getText().contains("called the pharmacy"));
    assertEquals("UNDER_REVIEW", driver.findElement(By.cssSelector("#rows tr[data-id='" + id + "'] a.state"))
        .getAttribute("data-state"));
    screenshot(driver.findElement(By.id("case")), "console-case");
    driver.findElement(By.id("case-close")).click();

    // a selection: the next two rows dismissed... which needs review first: both go to UNDER_REVIEW
    List<WebElement> picks = driver.findElements(By.cssSelector("#rows input.pick"));
    picks.get(1).click();
    picks.get(2).click();
    driver.findElement(By.id("bulk-note")).sendKeys("triage");
    driver.findElement(By.id("bulk-apply")).click();
    wait.until(d -> d.findElement(By.id("bulk-result")).getText().startsWith("2 updated"));
    assertEquals(3, TestDatabase.count(svc.db(), "SELECT count(*) FROM anomalies WHERE state = 'UNDER_REVIEW'"));
  }
}
