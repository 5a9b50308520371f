package com.tracesentinel.http;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tracesentinel.support.TestService;
import com.tracesentinel.support.TestService.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a new user opens first: the landing page the start line advertises, the README it links (served from the
 * jar), the site icon; and a README that links nothing a fresh clone lacks.
 */
@Tag("slow")
class HomePageTest {
  private static TestService svc;

  @BeforeAll
  static void start() throws Exception {
    svc = TestService.start();
  }

  @AfterAll
  static void stop() throws Exception {
    svc.close();
  }

  @Test
  void theLandingPageLinksThePagesTheApiTheMetricsAndTheReadme() {
    Response home = svc.get("/", null);
    assertEquals(200, home.status(), home.body());
    assertTrue(home.contentType().startsWith("text/html"), home.contentType());
    for (String link : List.of("href=\"/verify\"", "href=\"/console/\"", "href=\"/openapi.yaml\"",
        "href=\"/metrics\"", "href=\"/README.md#:~:text=%23%23%20Quick%20start\"",
        "href=\"/README.md#:~:text=%23%23%20Domain%20rules\"", "href=\"/README.md#:~:text=%23%23%20HTTP%20API\"")) {
      assertTrue(home.body().contains(link), link);
    }
    assertTrue(home.body().contains("公众查询") && home.body().contains("Public look-up"), "bilingual");
  }

  @Test
  void theLandingPageTheConsoleAndTheDocumentsAnswerHead() {
    // A link checker or a chat app's link preview asks for the headers first: / and /console/ were 405 while /verify/
    // was 200, and a static page's HEAD had no Content-Type. The site icon and the console's WebJars were 405 until
    // 2026-12-04.
    for (String path : List.of("/", "/console", "/console/", "/console/console.js", "/verify", "/verify/",
        "/verify/verify.css", "/README.md", "/openapi.yaml", "/favicon.ico", "/webjars/uplot/1.6.30/dist/uPlot.min.css")) {
      Response get = svc.get(path, null);
      Response head = svc.send(svc.request(path, null)
          .method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(200, head.status(), path);
      assertEquals(get.contentType(), head.contentType(), path);
      assertEquals("", head.body(), path);
    }
  }

  @Test
  void aHeadCarriesTheLengthItsGetWouldSend() throws Exception {
    // "with the headers of their GET" (README): a link checker reads the size from HEAD. /, /README.md and
    // /openapi.yaml answered HEAD without Content-Length while their GET had it (the static pages had it both ways).
    var client = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/", "/README.md", "/openapi.yaml", "/verify", "/verify/", "/console", "/console/")) {
      var get = client.send(svc.request(path, null).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      var head = client.send(svc.request(path, null).method("HEAD", java.net.http.HttpRequest.BodyPublishers.noBody())
          .build(), java.net.http.HttpResponse.BodyHandlers.discarding());
      assertEquals(200, head.statusCode(), path);
      assertEquals(String.valueOf(get.body().length), get.headers().firstValue("Content-Length").orElse(null), path);
      assertEquals(get.headers().firstValue("Content-Length").orElse(null),
          head.headers().firstValue("Content-Length").orElse(null), path);
    }
  }

  @Test
  void everyAnswerTellsBrowsersNotToGuessItsType() throws Exception {
    // /openapi.yaml, /webjars/* and the API's answers went without it (only the pages had it)
    var client = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/", "/openapi.yaml", "/webjars/uplot/1.6.30/dist/uPlot.min.css", "/README.md",
        "/api/v1/verify/not-a-code", "/api/v1/anomalies", "/no-such-page")) {
      var answer = client.send(svc.request(path, null).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
      assertEquals("nosniff", answer.headers().firstValue("X-Content-Type-Options").orElse(null),
          path + " " + answer.statusCode());
    }
  }

  @Test
  void theReadmeIsServedWithTheSectionsTheLandingPageLinks() {
    Response readme = svc.get("/README.md", null);
    assertEquals(200, readme.status());
    assertTrue(readme.contentType().startsWith("text/plain"), readme.contentType());
    for (String section : List.of("## Quick start", "## Domain rules", "## HTTP API", "## Configuration",
        "## Observability")) {
      assertTrue(readme.body().contains("\n" + section + "\n"), section);
    }
  }

  @Test
  void theSiteIconIsServed() {
    Response icon = svc.get("/favicon.ico", null);
    assertEquals(200, icon.status());
    assertEquals("image/x-icon", icon.contentType());
  }

  /** Every relative link of the README and of docs/*.md names a file of this repository. */
  @Test
  void theReadmeLinksNothingAFreshCloneLacks() throws Exception {
    List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
    if (Files.isDirectory(Path.of("docs"))) {
      try (var files = Files.list(Path.of("docs"))) {
        files.filter(f -> f.toString().endsWith(".md")).forEach(docs::add);
      }
    }
    Pattern link = Pattern.compile("\\]\\(([^)#\\s]+)[^)]*\\)");
    List<String> broken = new ArrayList<>();
    for (Path doc : docs) {
      String text = Files.readString(doc);
      assertTrue(!text.contains("shared/spec"), doc + " refers to shared/spec, which a clone does not have");
      Matcher m = link.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("[a-z]+:.*") || target.startsWith("/")) {
          continue; // a URL, or a path on the running service
        }
        if (!Files.exists(doc.toAbsolutePath().getParent().resolve(target).normalize())) {
          broken.add(doc + " -> " + target);
        }
      }
    }
    assertEquals(List.of(), broken);
  }

  /**
   * A table row is one line: a row continued on the next line is read as two rows, the rest of its text standing in
   * the first column as if it were another variable (the TRACESENTINEL_DB_URL row did so until 2026-12-04).
   */
  @Test
  void theReadmesTableRowsAreOneLineEach() throws Exception {
    List<String> broken = new ArrayList<>();
    List<String> lines = Files.readAllLines(Path.of("README.md"));
    boolean code = false;
    boolean table = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String start = line.substring(0, Math.min(60, line.length()));
      if (line.startsWith("```")) {
        code = !code;
        table = false;
      } else if (code || line.isBlank()) {
        table = false;
      } else if (line.startsWith("|")) {
        table = true;
        if (!line.stripTrailing().endsWith("|")) {
          broken.add("README.md:" + (i + 1) + " does not end its row: " + start);
        }
      } else if (table) {
        broken.add("README.md:" + (i + 1) + " continues a row: " + start);
      }
    }
    assertEquals(List.of(), broken);
  }
}
