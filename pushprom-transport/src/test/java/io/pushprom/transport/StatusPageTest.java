package io.pushprom.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.sun.net.httpserver.Headers;
import io.pushprom.core.Aggregator;
import io.pushprom.core.Delta;
import io.pushprom.core.RejectedDelta;
import io.pushprom.core.Transport;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET /} from a browser is the status page; every other request of / is as before. */
class StatusPageTest {
  private static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);
  private static final String BROWSER =
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
  static final String SCRIPT_HELP = "<script>alert(1)</script>";
  static final String IMG_LABEL = "<img src=x onerror=alert(2)>";

  private static HttpResponse<String> get(int port, String path, String accept) throws Exception {
    return Http.send(Http.request(port, path).header("Accept", accept).GET());
  }

  @Test
  void aBrowserGetsTheStatusPage() throws Exception {
    try (HttpListener http = HttpListener.start(Aggregator.create(), ANY_PORT)) {
      HttpResponse<String> page = get(http.port(), "/", BROWSER);

      assertEquals(200, page.statusCode());
      assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").get());
      assertEquals(
          StatusPage.CONTENT_SECURITY_POLICY,
          page.headers().firstValue("Content-Security-Policy").get());
      assertTrue(
          StatusPage.CONTENT_SECURITY_POLICY.startsWith("default-src 'none'; style-src 'sha256-"));
      assertEquals("Accept, Accept-Encoding", page.headers().firstValue("Vary").get());
      assertTrue(page.body().startsWith("<!DOCTYPE html>"), page.body());
      assertTrue(page.body().contains("HTTP http://127.0.0.1:" + http.port()), page.body());
      assertTrue(page.body().contains("No metric has been pushed yet."), page.body());
    }
  }

  @Test
  void showsTheSeriesAndThePlacesTheyTakeAgainstTheLimit() throws Exception {
    Aggregator aggregator = Aggregator.builder().maxSeries(1000).build();
    aggregator.apply(Delta.parse("{\"type\":\"counter\",\"name\":\"hits\",\"method\":\"inc\"}"));
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      String page = get(http.port(), "/", BROWSER).body();

      // One series, and its metric's own two places.
      assertTrue(
          page.contains(
              "<div class=\"big\">1</div><div class=\"small\">taking 3 of the limit's 1,000"
                  + " places, kept for ever"),
          page);
      assertTrue(page.contains("optimum=\"0\" value=\"3\"></meter>"), page);
    }
  }

  @Test
  void isGzippedWhenTheBrowserTakesGzip() throws Exception {
    try (HttpListener http = HttpListener.start(Aggregator.create(), ANY_PORT)) {
      HttpResponse<byte[]> page =
          Http.CLIENT.send(
              Http.request(http.port(), "/")
                  .header("Accept", BROWSER)
                  .header("Accept-Encoding", "gzip, deflate, br")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());

      assertEquals("gzip", page.headers().firstValue("Content-Encoding").get());
      String html = Http.gunzip(page.body());
      assertTrue(html.startsWith("<!DOCTYPE html>"), html);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"*/*", "text/plain", "application/json", "text/html;q=0"})
  void otherClientsKeepTheirMethodNotAllowed(String accept) throws Exception {
    try (HttpListener http = HttpListener.start(Aggregator.create(), ANY_PORT)) {
      HttpResponse<String> answer = get(http.port(), "/", accept);

      assertEquals(405, answer.statusCode());
      assertEquals("method not allowed", answer.body());
    }
  }

  @Test
  void onlySlashIsThePage() throws Exception {
    try (HttpListener http = HttpListener.start(Aggregator.create(), ANY_PORT)) {
      assertEquals(405, get(http.port(), "/status", BROWSER).statusCode());
      assertEquals(
          405,
          Http.send(Http.request(http.port(), "/").DELETE().header("Accept", BROWSER))
              .statusCode());
    }
  }

  @Test
  void headAnswersAsGetWithoutABody() throws Exception {
    try (HttpListener http = HttpListener.start(Aggregator.create(), ANY_PORT)) {
      HttpResponse<String> head =
          Http.send(
              Http.request(http.port(), "/")
                  .header("Accept", "text/html")
                  .method("HEAD", BodyPublishers.noBody()));

      assertEquals(200, head.statusCode());
      assertEquals("text/html; charset=utf-8", head.headers().firstValue("Content-Type").get());
      assertEquals("", head.body());
    }
  }

  @Test
  void aPostAcceptingHtmlIsStillAPush() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      HttpResponse<String> push =
          Http.send(
              Http.request(http.port(), "/")
                  .header("Accept", BROWSER)
                  .POST(BodyPublishers.ofString(Deltas.inc("gophers"))));

      assertEquals(200, push.statusCode());
      assertEquals("ok", push.body());
      assertEquals(1.0, Samples.value(aggregator.registry(), "gophers_total"));
    }
  }

  @Test
  void everyPushedStringIsEscaped() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      pushHostile(http.port());

      String page = get(http.port(), "/", BROWSER).body();

      assertTrue(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), page);
      assertTrue(page.contains("&lt;img src=x onerror=alert(2)&gt;"), page);
      assertFalse(page.contains(SCRIPT_HELP), page);
      assertFalse(page.contains(IMG_LABEL), page);
      // Ours is the one script, and it has no inline handler.
      assertEquals(1, count(page, "<script"));
      assertFalse(page.contains("onerror=alert(2)>"), page);
    }
  }

  /**
   * Pushes a gauge whose help is a script and whose label value an image, and a rejected delta with
   * the same label: {@link StatusPageBrowserTest} opens the page they make.
   */
  static void pushHostile(int port) throws Exception {
    String labels = "{\"path\":\"" + IMG_LABEL + "\"}";
    assertEquals(
        200,
        Http.post(
                port,
                "/",
                "{\"type\":\"gauge\",\"name\":\"hostile\",\"help\":\""
                    + SCRIPT_HELP.replace("/", "\\/")
                    + "\",\"method\":\"set\",\"value\":1,\"labels\":"
                    + labels
                    + "}")
            .statusCode());
    assertEquals(
        400,
        Http.post(
                port,
                "/",
                "{\"type\":\"counter\",\"name\":\"hostile\",\"method\":\"inc\",\"labels\":"
                    + labels
                    + "}")
            .statusCode());
  }

  private static int count(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }

  @Test
  void listsMetricsMostSeriesFirstAndRejectionsWithTheirSources() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (UdpListener udp = UdpListener.start(aggregator, ANY_PORT);
        HttpListener http =
            HttpListener.builder(aggregator)
                .address(ANY_PORT)
                .udpAddresses(List.of(udp.address()))
                .start();
        UdpSender sender = UdpSender.to(udp.port())) {
      Http.post(http.port(), "/", Deltas.inc("few"));
      for (int i = 0; i < 3; i++) {
        Http.post(
            http.port(),
            "/",
            "{\"type\":\"gauge\",\"name\":\"many\",\"method\":\"set\",\"value\":1,"
                + "\"labels\":{\"i\":\""
                + i
                + "\"}}");
      }
      Http.post(http.port(), "/", "not json over http");
      sender.send("not json over udp");
      awaitRejections(aggregator, 2);

      String page = get(http.port(), "/", BROWSER).body();

      assertTrue(page.contains("UDP 127.0.0.1:" + udp.port()), page);
      assertTrue(page.indexOf(">many<") < page.indexOf(">few<"), page);
      Matcher rows =
          Pattern.compile("<tr><td class=\"when\".*?</tr>", Pattern.DOTALL).matcher(page);
      List<String> rejections =
          rows.results().map(m -> m.group()).filter(r -> r.contains("not json")).toList();
      assertEquals(2, rejections.size(), page);
      // Newest first: the datagram, from the sender's own port.
      assertTrue(rejections.get(0).contains(">udp<"), rejections.get(0));
      assertTrue(
          rejections.get(0).contains(">127.0.0.1:" + sender.localPort() + "<"), rejections.get(0));
      assertTrue(rejections.get(0).contains("not json over udp"), rejections.get(0));
      assertTrue(rejections.get(1).contains(">http<"), rejections.get(1));
      assertTrue(rejections.get(1).contains(">127.0.0.1:"), rejections.get(1));
      assertTrue(rejections.get(1).contains(">malformed<"), rejections.get(1));
    }
  }

  private static void awaitRejections(Aggregator aggregator, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (aggregator.recentRejections().size() < count) {
      assertTrue(System.nanoTime() - deadline < 0, "no rejection within 30 s");
      Thread.onSpinWait();
      Thread.sleep(1);
    }
  }

  @Test
  void asksForCredentialsWheneverPushesNeedThemAsItQuotesRejectedPushes() throws Exception {
    BasicAuth auth =
        BasicAuth.fromFile(Path.of(StatusPageTest.class.getResource("users.htpasswd").toURI()));
    String good = "Basic " + Base64.getEncoder().encodeToString("php:s3cret".getBytes(UTF_8));
    try (HttpListener guarded =
            HttpListener.builder(Aggregator.create())
                .address(ANY_PORT)
                .basicAuth(auth, true)
                .start();
        HttpListener open =
            HttpListener.builder(Aggregator.create())
                .address(ANY_PORT)
                .basicAuth(auth, false)
                .start()) {
      assertEquals(401, get(guarded.port(), "/", BROWSER).statusCode());
      assertEquals(401, get(guarded.port(), "/metrics", BROWSER).statusCode());
      assertEquals(
          200,
          Http.send(
                  Http.request(guarded.port(), "/")
                      .header("Accept", BROWSER)
                      .header("Authorization", good)
                      .GET())
              .statusCode());
      // A curl GET / is still refused as a method, not asked for credentials.
      assertEquals(405, get(guarded.port(), "/", "*/*").statusCode());
      // /metrics is open here, but the page quotes rejected pushes: it still asks.
      assertEquals(200, get(open.port(), "/metrics", BROWSER).statusCode());
      assertEquals(401, get(open.port(), "/", BROWSER).statusCode());
      assertEquals(
          200,
          Http.send(
                  Http.request(open.port(), "/")
                      .header("Accept", BROWSER)
                      .header("Authorization", good)
                      .GET())
              .statusCode());
    }
  }

  static Stream<Arguments> accepts() {
    return Stream.of(
        arguments(BROWSER, true),
        arguments("TEXT/HTML", true),
        arguments("application/json, text/html;q=0.5", true),
        arguments("text/html;q=0", false),
        arguments("text/html;q=zero", false),
        arguments("*/*", false),
        arguments("text/*", false),
        arguments("", false));
  }

  @ParameterizedTest
  @MethodSource("accepts")
  void acceptsHtmlOnlyWhenNamed(String accept, boolean html) {
    Headers headers = new Headers();
    headers.add("Accept", accept);
    assertEquals(html, StatusPage.acceptsHtml(headers));
  }

  static Stream<Arguments> escapes() {
    return Stream.of(
        arguments(SCRIPT_HELP, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        arguments("\" onmouseover='x'", "&quot; onmouseover=&#39;x&#39;"),
        arguments("a & b", "a &amp; b"),
        arguments("nul\u0000 bell\u0007 del\u007f", "nul\u2400 bell\u2407 del\u2421"),
        arguments("line\nnext\ttab", "line\nnext\ttab"),
        arguments("bäume 😀", "bäume 😀"),
        arguments("txt.\u202eexe\ufeff", "txt.&lt;U+202E&gt;exe&lt;U+FEFF&gt;"));
  }

  @ParameterizedTest
  @MethodSource("escapes")
  void escapesForElementsAndAttributes(String text, String escaped) {
    assertEquals(escaped, Html.escape(text));
  }

  @Test
  void longDeltasAreShownCut() throws Exception {
    Aggregator aggregator = Aggregator.create();
    try (HttpListener http = HttpListener.start(aggregator, ANY_PORT)) {
      Http.post(http.port(), "/", "x".repeat(100_000));

      RejectedDelta rejected = aggregator.recentRejections().get(0);
      assertEquals(Transport.HTTP, rejected.transport());
      assertEquals("x".repeat(300) + "…", rejected.text());
      assertTrue(get(http.port(), "/", BROWSER).body().contains("x".repeat(300) + "…</pre>"));
    }
  }
}
