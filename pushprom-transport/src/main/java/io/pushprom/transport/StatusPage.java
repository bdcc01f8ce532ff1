package io.pushprom.transport;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.pushprom.core.Aggregator;
import io.pushprom.core.MetricOverview;
import io.pushprom.core.RejectedDelta;
import io.pushprom.core.Transport;
import io.pushprom.core.Version;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.GZIPOutputStream;

/**
 * The page an operator opens first, {@code GET /} from a browser: the version and uptime, where
 * Pushprom listens, every pushed metric with its series (the most first, so whoever blows up
 * cardinality shows at the top), the deltas applied and rejected, and the last rejected deltas as
 * they were sent. One self-contained HTML document: its style and script are inline, allowed by
 * their hashes in a {@code Content-Security-Policy} that forbids everything else, and every pushed
 * string is escaped.
 *
 * <p>Only a request for {@code /} that accepts {@code text/html} gets it; any other client keeps
 * the {@code 405} it always got there, and a {@code POST /} is a push as ever: see {@link
 * #routing}.
 */
final class StatusPage implements HttpHandler {
  private static final Logger LOG = Logger.getLogger(StatusPage.class.getName());
  private static final LogLimiter FAILURES = new LogLimiter(LOG, 10);

  /** Metrics listed at most: a client that pushes a million names must not make a 300 MB page. */
  static final int MAX_METRICS = 1_000;

  private static final String STYLE = resource("status.css");
  private static final String SCRIPT = resource("status.js");

  /** Inline style and script by their hashes, and nothing else: no image, frame or connection. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src "
          + hash(STYLE)
          + "; script-src "
          + hash(SCRIPT)
          + "; img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private static final String[] REJECTION_REASONS = {
    "malformed", "invalid", "conflict", "limit", "batch"
  };

  private final Aggregator aggregator;
  private final Instant started;
  private final String http;
  private final List<String> udp;

  /**
   * @param started when the listener started, which the uptime counts from
   * @param http the listener's scheme and bound address
   * @param udp the addresses UDP deltas are taken on, as the listener was told
   */
  StatusPage(
      Aggregator aggregator,
      Instant started,
      String scheme,
      InetSocketAddress http,
      List<InetSocketAddress> udp) {
    this.aggregator = aggregator;
    this.started = started;
    this.http = scheme + "://" + format(http);
    this.udp = udp.stream().map(StatusPage::format).toList();
  }

  /**
   * Sends {@link #isAskedFor page requests} to {@code page}, every other request to {@code other}.
   */
  static HttpHandler routing(HttpHandler page, HttpHandler other) {
    return exchange -> (isAskedFor(exchange) ? page : other).handle(exchange);
  }

  /**
   * Asks {@code page} to authenticate page requests, {@code other} the rest: the page shows what
   * {@code /metrics} shows, so it takes the same credentials.
   */
  static Authenticator authenticating(Authenticator page, Authenticator other) {
    return new Authenticator() {
      @Override
      public Result authenticate(HttpExchange exchange) {
        return (isAskedFor(exchange) ? page : other).authenticate(exchange);
      }
    };
  }

  /** A {@code GET} or {@code HEAD} of {@code /} that accepts HTML: a browser's. */
  static boolean isAskedFor(HttpExchange exchange) {
    String method = exchange.getRequestMethod();
    return (method.equals("GET") || method.equals("HEAD"))
        && exchange.getRequestURI().getPath().equals("/")
        && acceptsHtml(exchange.getRequestHeaders());
  }

  /**
   * Whether an {@code Accept} header names {@code text/html} with a weight above 0; {@code *}{@code
   * /*} alone, as curl sends it, does not.
   */
  static boolean acceptsHtml(Headers headers) {
    for (String accept : headers.getOrDefault("Accept", List.of())) {
      for (String range : accept.split(",")) {
        String[] parts = range.split(";");
        if (parts[0].trim().equalsIgnoreCase("text/html") && weight(parts) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static double weight(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      if (parameter.startsWith("q=") || parameter.startsWith("Q=")) {
        try {
          return Double.parseDouble(parameter.substring(2).trim());
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  private static boolean acceptsGzip(Headers headers) {
    for (String accept : headers.getOrDefault("Accept-Encoding", List.of())) {
      for (String coding : accept.split(",")) {
        String[] parts = coding.split(";");
        if (parts[0].trim().equalsIgnoreCase("gzip") && weight(parts) > 0) {
          return true;
        }
      }
    }
    return false;
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
    try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
      zip.write(bytes);
    }
    return out.toByteArray();
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      Exchanges.skipEmptyBody(exchange);
      byte[] page = render(Instant.now()).getBytes(StandardCharsets.UTF_8);
      Headers headers = exchange.getResponseHeaders();
      // A thousand metrics make half a megabyte of HTML, a tenth of it gzipped.
      if (acceptsGzip(exchange.getRequestHeaders())) {
        page = gzip(page);
        headers.set("Content-Encoding", "gzip");
      }
      headers.set("Content-Type", "text/html; charset=utf-8");
      headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      headers.set("X-Content-Type-Options", "nosniff");
      headers.set("Referrer-Policy", "no-referrer");
      headers.set("Cache-Control", "no-store");
      // Other clients get 405 at the same URL.
      headers.set("Vary", "Accept, Accept-Encoding");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(200, head ? -1 : page.length);
      if (!head) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(page);
        }
      }
    } catch (OutOfMemoryError e) {
      throw e;
    } catch (RuntimeException | Error e) {
      FAILURES.log(Level.SEVERE, () -> "failed to render the status page", e);
      Exchanges.fail(exchange, e);
    } finally {
      exchange.close();
    }
  }

  /** The page as it is at {@code now}. */
  String render(Instant now) {
    List<MetricOverview> metrics = aggregator.overview();
    List<RejectedDelta> rejections = aggregator.recentRejections();
    Map<Transport, long[]> deltas = deltaCounts();
    StringBuilder page = new StringBuilder(16_384 + 200 * Math.min(metrics.size(), MAX_METRICS));
    page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>Pushprom ")
        .append(Html.escape(Version.current()))
        .append("</title>\n<style>")
        .append(STYLE)
        .append("</style>\n</head>\n<body>\n<header><h1>Pushprom</h1><span class=\"version\">")
        .append("version ")
        .append(Html.escape(Version.current()))
        .append("</span><span class=\"version\">up ")
        .append(uptime(Duration.between(started, now)))
        .append(", since ")
        .append(TIME.format(started))
        .append(" UTC</span><nav><a href=\"/metrics\">/metrics</a>")
        .append("<a href=\"/-/ready\">/-/ready</a></nav></header>\n<main>\n");
    cards(page, deltas, rejections.size());
    deltaTable(page, deltas);
    metricTable(page, metrics, now);
    rejectionTable(page, rejections, now);
    page.append("<footer>Rendered at ")
        .append(TIME.format(now))
        .append(" UTC. Last updates are as fine as the scrapes: each moves on the clock that")
        .append(" deltas are stamped with.</footer>\n</main>\n<script>")
        .append(SCRIPT)
        .append("</script>\n</body>\n</html>\n");
    return page.toString();
  }

  private void cards(StringBuilder page, Map<Transport, long[]> deltas, int rejected) {
    long series = aggregator.seriesCount();
    long places = aggregator.seriesPlaces();
    long max = aggregator.maxSeries();
    page.append("<div class=\"cards\">\n<div class=\"card\"><h2>Listening</h2><ul><li>HTTP ");
    Html.escape(page, http).append("</li>");
    for (String address : udp) {
      page.append("<li>UDP ");
      Html.escape(page, address).append("</li>");
    }
    page.append("</ul></div>\n<div class=\"card\"><h2>Series</h2><div class=\"big\">")
        .append(number(series))
        .append("</div><div class=\"small\">taking ")
        .append(number(places))
        .append(" of the limit's ")
        .append(number(max))
        .append(" places")
        .append(aggregator.seriesTtl().isZero() ? ", kept for ever" : ", each expiring after ")
        .append(aggregator.seriesTtl().isZero() ? "" : uptime(aggregator.seriesTtl()))
        .append(" without a delta</div><meter min=\"0\" max=\"")
        .append(max)
        .append("\" low=\"")
        .append(max * 7 / 10)
        .append("\" high=\"")
        .append(max * 9 / 10)
        .append("\" optimum=\"0\" value=\"")
        .append(places)
        .append("\"></meter></div>\n");
    long applied = 0;
    long refused = 0;
    for (long[] counts : deltas.values()) {
      applied += counts[0];
      for (int i = 1; i < counts.length; i++) {
        refused += counts[i];
      }
    }
    page.append("<div class=\"card\"><h2>Deltas applied</h2><div class=\"big\">")
        .append(number(applied))
        .append("</div><div class=\"small\">over HTTP and UDP</div></div>\n")
        .append("<div class=\"card\"><h2>Deltas rejected</h2><div class=\"big")
        .append(refused > 0 ? " bad" : "")
        .append("\">")
        .append(number(refused))
        .append("</div><div class=\"small\">")
        .append(rejected == 0 ? "none lately" : "the last " + rejected + " are listed below")
        .append("</div></div>\n</div>\n");
  }

  private static void deltaTable(StringBuilder page, Map<Transport, long[]> deltas) {
    page.append("<section><h2>Deltas by transport</h2><div class=\"scroll\"><table>")
        .append("<thead><tr><th>transport</th><th class=\"num\">applied</th>");
    for (String reason : REJECTION_REASONS) {
      page.append("<th class=\"num\">rejected: ").append(reason).append("</th>");
    }
    page.append("</tr></thead><tbody>\n");
    for (Map.Entry<Transport, long[]> entry : deltas.entrySet()) {
      page.append("<tr><td>").append(entry.getKey().label()).append("</td>");
      long[] counts = entry.getValue();
      for (int i = 0; i < counts.length; i++) {
        page.append("<td class=\"num")
            .append(counts[i] == 0 ? " zero" : i > 0 ? " bad" : "")
            .append("\">")
            .append(number(counts[i]))
            .append("</td>");
      }
      page.append("</tr>\n");
    }
    page.append("</tbody></table></div></section>\n");
  }

  private static void metricTable(StringBuilder page, List<MetricOverview> metrics, Instant now) {
    long largest = metrics.isEmpty() ? 0 : Math.max(1, metrics.get(0).series());
    page.append("<section><h2>Metrics <span class=\"count\">")
        .append(number(metrics.size()))
        .append("</span></h2><p>The most series first; click a column to sort by it.</p>")
        .append("<div class=\"scroll\">");
    if (metrics.isEmpty()) {
      page.append("<div class=\"empty\">No metric has been pushed yet.</div></div></section>\n");
      return;
    }
    page.append("<table class=\"sortable\" id=\"metrics\"><thead><tr>")
        .append("<th data-sort=\"text\"><button type=\"button\">name</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">type</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">help</button></th>")
        .append("<th class=\"num\" data-sort=\"number\" aria-sort=\"descending\">")
        .append("<button type=\"button\">series</button></th>")
        .append("<th data-sort=\"number\"><button type=\"button\">share</button></th>")
        .append("<th data-sort=\"number\"><button type=\"button\">last update</button></th>")
        .append("</tr></thead><tbody>\n");
    for (MetricOverview metric : metrics.subList(0, Math.min(metrics.size(), MAX_METRICS))) {
      page.append("<tr><td class=\"name\">");
      Html.escape(page, metric.name()).append("</td><td><span class=\"type ");
      page.append(metric.type().jsonName())
          .append("\">")
          .append(metric.type().jsonName())
          .append("</span></td><td class=\"help\">");
      Html.escape(page, metric.help())
          .append("</td><td class=\"num\" data-v=\"")
          .append(metric.series())
          .append("\">")
          .append(number(metric.series()))
          .append("</td><td class=\"share\" data-v=\"")
          .append(metric.series())
          .append("\"><meter min=\"0\" max=\"")
          .append(largest)
          .append("\" value=\"")
          .append(metric.series())
          .append("\"></meter></td>");
      Instant last = metric.lastUpdate();
      if (last == null) {
        page.append("<td class=\"when\" data-v=\"0\">no series</td></tr>\n");
      } else {
        page.append("<td class=\"when\" data-v=\"")
            .append(last.toEpochMilli())
            .append("\" title=\"")
            .append(TIME.format(last))
            .append(" UTC\">")
            .append(ago(Duration.between(last, now)))
            .append("</td></tr>\n");
      }
    }
    page.append("</tbody></table>");
    if (metrics.size() > MAX_METRICS) {
      page.append("<div class=\"empty\">and ")
          .append(number(metrics.size() - MAX_METRICS))
          .append(" more with fewer series, not listed</div>");
    }
    page.append("</div></section>\n");
  }

  private static void rejectionTable(
      StringBuilder page, List<RejectedDelta> rejections, Instant now) {
    page.append("<section><h2>Recently rejected deltas <span class=\"count\">")
        .append(rejections.size())
        .append("</span></h2><p>The last 100 at most, newest first, each as it was sent (cut at ")
        .append(RejectedDelta.MAX_TEXT)
        .append(" characters): why a metric does not show.</p><div class=\"scroll\">");
    if (rejections.isEmpty()) {
      page.append(
          "<div class=\"empty\">No delta has been rejected lately.</div></div></section>\n");
      return;
    }
    page.append("<table class=\"sortable\" id=\"rejections\"><thead><tr>")
        .append("<th data-sort=\"number\" aria-sort=\"descending\">")
        .append("<button type=\"button\">time (UTC)</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">transport</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">source</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">reason</button></th>")
        .append("<th data-sort=\"text\"><button type=\"button\">message</button></th>")
        .append("<th>delta</th></tr></thead><tbody>\n");
    // Rejections of one body share a time: the sequence keeps them in order when sorted.
    long sequence = rejections.size();
    for (RejectedDelta rejected : rejections) {
      page.append("<tr><td class=\"when\" data-v=\"")
          .append(rejected.time().toEpochMilli() * 1000 + sequence--)
          .append("\" title=\"")
          .append(TIME.format(rejected.time()))
          .append(" UTC, ")
          .append(ago(Duration.between(rejected.time(), now)))
          .append("\">")
          .append(CLOCK.format(rejected.time()))
          .append("</td><td>")
          .append(rejected.transport().label())
          .append("</td><td class=\"name\">");
      Html.escape(page, rejected.source().isEmpty() ? "unknown" : rejected.source())
          .append("</td><td><span class=\"reason\">")
          .append(rejected.reason().label())
          .append("</span></td><td class=\"message\">");
      Html.escape(page, rejected.message()).append("</td><td><pre class=\"delta\">");
      Html.escape(page, rejected.text()).append("</pre></td></tr>\n");
    }
    page.append("</tbody></table></div></section>\n");
  }

  /**
   * Applied, then rejected by each of {@link #REJECTION_REASONS}, by transport, from the
   * aggregator's telemetry alone: not a scrape of the pushed metrics.
   */
  private Map<Transport, long[]> deltaCounts() {
    Map<Transport, long[]> counts = new EnumMap<>(Transport.class);
    for (Transport transport : Transport.values()) {
      counts.put(transport, new long[1 + REJECTION_REASONS.length]);
    }
    for (MetricFamilySamples family : aggregator.telemetry().collect()) {
      for (MetricFamilySamples.Sample sample : family.samples) {
        int column = column(sample);
        if (column < 0) {
          continue;
        }
        Transport transport = transport(sample.labelValues.get(0));
        if (transport != null) {
          counts.get(transport)[column] += (long) sample.value;
        }
      }
    }
    return counts;
  }

  private static int column(MetricFamilySamples.Sample sample) {
    if (sample.labelNames.isEmpty() || !sample.labelNames.get(0).equals("transport")) {
      return -1;
    }
    if (sample.name.equals("pushprom_deltas_applied_total")) {
      return 0;
    }
    if (sample.name.equals("pushprom_deltas_rejected_total") && sample.labelNames.size() == 2) {
      String reason = sample.labelValues.get(1);
      for (int i = 0; i < REJECTION_REASONS.length; i++) {
        if (REJECTION_REASONS[i].equals(reason)) {
          return 1 + i;
        }
      }
    }
    return -1;
  }

  private static Transport transport(String label) {
    for (Transport transport : Transport.values()) {
      if (transport.label().equals(label)) {
        return transport;
      }
    }
    return null;
  }

  /** {@code 0.0.0.0:9091}, {@code [::]:9091}: an address as the flags take it. */
  static String format(InetSocketAddress address) {
    String host =
        address.getAddress() == null
            ? address.getHostString()
            : address.getAddress().getHostAddress();
    return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host)
        + ":"
        + address.getPort();
  }

  private static String number(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  /** {@code 3d 4h}, {@code 2h 5m}, {@code 4m 12s}, {@code 9s}: the two largest units. */
  static String uptime(Duration duration) {
    long seconds = Math.max(0, duration.toSeconds());
    long days = seconds / 86_400;
    long hours = seconds / 3_600 % 24;
    long minutes = seconds / 60 % 60;
    if (days > 0) {
      return days + "d " + hours + "h";
    }
    if (hours > 0) {
      return hours + "h " + minutes + "m";
    }
    if (minutes > 0) {
      return minutes + "m " + seconds % 60 + "s";
    }
    return seconds + "s";
  }

  private static String ago(Duration duration) {
    return duration.toSeconds() < 1 ? "just now" : uptime(duration) + " ago";
  }

  private static String resource(String name) {
    try (InputStream in = StatusPage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("status page: " + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("status page: cannot read " + name, e);
    }
  }

  /** A CSP source that allows exactly {@code inline} as an inline style or script. */
  private static String hash(String inline) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(inline.getBytes(StandardCharsets.UTF_8));
      return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
