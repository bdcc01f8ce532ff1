package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushprom.core.Aggregator;
import io.pushprom.core.Transport;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real headless Chromium: it renders, holds what was pushed, sorts, shows no
 * pushed markup as markup, runs no pushed script, and breaks no rule of its own security policy.
 * Skipped where {@code /usr/bin/chromium} is missing, unless {@code CI=true}, where that fails.
 */
class StatusPageBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  /** Where the screenshot goes, for a person to look at. */
  private static final Path SCREENSHOT =
      Path.of(System.getProperty("java.io.tmpdir"), "status-page.png");

  @BeforeEach
  void needsChromium() {
    if (Files.isExecutable(Chromium.BINARY)) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail(Chromium.BINARY + " is missing, and CI=true: install it (apt-get install -y chromium)");
    }
    Assumptions.abort(
        Chromium.BINARY
            + " is missing: the browser test is skipped (apt-get install -y chromium runs it;"
            + " with CI=true it fails instead)");
  }

  @Test
  void theBrowserShowsThePushedMetricsAsTextAndRunsNoPushedScript(@TempDir Path profile)
      throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        HttpListener http =
            HttpListener.builder(aggregator)
                .address(ANY_PORT)
                .udpAddresses(List.of(udp.address()))
                .start();
        UdpSender sender = UdpSender.to(udp.port());
        Chromium chromium = Chromium.launch(Chromium.BINARY, profile)) {
      push(aggregator, http.port(), sender);
      Chromium.Page page = chromium.newPage();
      page.send("Page.enable");
      page.send("Runtime.enable");
      page.send("Log.enable");
      page.send(
          "Emulation.setDeviceMetricsOverride",
          JSON.createObjectNode()
              .put("width", 1280)
              .put("height", 1100)
              .put("deviceScaleFactor", 1)
              .put("mobile", false));
      // The browser's own Accept header, text/html first, is what picks the page.
      page.navigate("http://127.0.0.1:" + http.port() + "/");

      String text = page.evaluate("document.body.innerText").asText();
      assertTrue(text.contains("Pushprom"), text);
      assertTrue(text.contains("UDP 127.0.0.1:" + udp.port()), text);
      assertTrue(text.contains(StatusPageTest.SCRIPT_HELP), text);
      assertTrue(text.contains(StatusPageTest.IMG_LABEL), text);
      assertEquals(List.of("requests_by_user", "queue_depth", "hostile", "jobs_done"), names(page));

      // Nothing pushed became an element: one script, ours; no image at all.
      assertEquals(1, page.evaluate("document.querySelectorAll('script').length").asInt());
      assertEquals(0, page.evaluate("document.querySelectorAll('img').length").asInt());
      assertEquals(0, page.evaluate("document.querySelectorAll('[onerror]').length").asInt());

      // Our inline script runs (its hash is in the policy): a click sorts by name.
      page.evaluate("document.querySelector('#metrics th:nth-child(1) button').click()");
      assertEquals(List.of("hostile", "jobs_done", "queue_depth", "requests_by_user"), names(page));
      page.evaluate("document.querySelector('#metrics th:nth-child(1) button').click()");
      assertEquals(List.of("requests_by_user", "queue_depth", "jobs_done", "hostile"), names(page));
      page.evaluate("document.querySelector('#metrics th:nth-child(4) button').click()");
      assertEquals(List.of("requests_by_user", "queue_depth", "hostile", "jobs_done"), names(page));
      // Styled: the inline style applies too.
      assertEquals(
          "rgb(31, 41, 51)",
          page.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
              .asText());

      byte[] png =
          Base64.getDecoder()
              .decode(
                  page.send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png"))
                      .path("data")
                      .asText());
      Files.write(SCREENSHOT, png);
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertEquals(1280, image.getWidth());
      Set<Integer> colours = new HashSet<>();
      long coloured = 0;
      for (int y = 0; y < image.getHeight(); y += 2) {
        for (int x = 0; x < image.getWidth(); x += 2) {
          int rgb = image.getRGB(x, y) & 0xFFFFFF;
          colours.add(rgb);
          if (rgb != 0xFFFFFF) {
            coloured++;
          }
        }
      }
      long sampled = (long) (image.getWidth() / 2) * (image.getHeight() / 2);
      assertTrue(colours.size() > 50, colours.size() + " colours in " + SCREENSHOT);
      assertTrue(coloured > sampled / 10, coloured + " of " + sampled + " not white");

      List<String> problems = new ArrayList<>();
      for (JsonNode event : page.events()) {
        String method = event.path("method").asText();
        if (method.equals("Page.javascriptDialogOpening")) {
          problems.add("a dialog opened: " + event.path("params").path("message").asText());
        }
        if (method.equals("Log.entryAdded")
            && event.path("params").path("entry").path("level").asText().equals("error")) {
          problems.add("logged: " + event.path("params").path("entry").path("text").asText());
        }
        if (method.equals("Runtime.exceptionThrown")) {
          problems.add("thrown: " + event.path("params").path("exceptionDetails"));
        }
      }
      assertEquals(List.of(), problems);
    }
  }

  /** The metric names in the table's order. */
  private static List<String> names(Chromium.Page page) throws Exception {
    JsonNode names =
        page.evaluate(
            "Array.from(document.querySelectorAll('#metrics tbody td.name'), td =>"
                + " td.textContent)");
    List<String> list = new ArrayList<>();
    names.forEach(name -> list.add(name.asText()));
    return list;
  }

  private static void push(Aggregator aggregator, int port, UdpSender sender) throws Exception {
    StatusPageTest.pushHostile(port);
    StringBuilder users = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      users.append(
          "{\"type\":\"counter\",\"name\":\"requests_by_user\",\"help\":\"Requests by user: a"
              + " label that should not be there\",\"method\":\"inc\",\"labels\":{\"user\":\"u"
              + i
              + "\"}}\n");
    }
    assertEquals(200, Http.post(port, "/", users.toString()).statusCode());
    for (int i = 0; i < 3; i++) {
      assertEquals(
          200,
          Http.post(
                  port,
                  "/",
                  "{\"type\":\"gauge\",\"name\":\"queue_depth\",\"help\":\"Jobs waiting\","
                      + "\"method\":\"set\",\"value\":"
                      + i
                      + ",\"labels\":{\"queue\":\"q"
                      + i
                      + "\"}}")
              .statusCode());
    }
    assertEquals(
        200,
        Http.post(port, "/", "{\"type\":\"counter\",\"name\":\"jobs_done\",\"method\":\"inc\"}")
            .statusCode());
    Http.post(
        port, "/", "{\"type\":\"counter\",\"name\":\"jobs_done\",\"method\":\"add\",\"value\":-3}");
    sender.send("{\"type\":\"gauge\",\"name\":\"temperature\",\"method\":\"set\"}");
    sender.send("\u0000\u0001garbage");
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (aggregator.recentRejections().stream()
            .filter(rejected -> rejected.transport() == Transport.UDP)
            .count()
        < 2) {
      assertTrue(System.nanoTime() - deadline < 0, "the datagrams were not handled within 30 s");
      Thread.sleep(5);
    }
  }
}
