package io.pushprom.core;

/**
 * The counters a transport keeps in the aggregator's {@link Telemetry}, each with its name and help
 * declared once here.
 *
 * <pre>{@code
 * Counter packets = aggregator.telemetry().counter(TransportCounter.UDP_PACKETS);
 * packets.inc();
 * }</pre>
 */
public enum TransportCounter {
  UDP_PACKETS("pushprom_udp_packets_total", "The number of packets received."),
  HTTP_REQUESTS("pushprom_http_requests_total", "The number of http requests received."),
  SCRAPE_ERRORS(
      "pushprom_scrape_errors_total", "Scrapes of /metrics that failed; the log says why."),
  HTTP_CONNECTIONS_REFUSED(
      "pushprom_http_connections_refused_total",
      "HTTP connections closed unanswered because every worker was busy."),
  HTTP_UNAUTHORIZED(
      "pushprom_http_unauthorized_total",
      "HTTP requests refused for missing or wrong credentials, or while too many were being"
          + " checked.");

  private final String metricName;
  private final String help;

  TransportCounter(String metricName, String help) {
    this.metricName = metricName;
    this.help = help;
  }

  /** The name it is exposed under, such as {@code pushprom_udp_packets_total}. */
  public String metricName() {
    return metricName;
  }

  String help() {
    return help;
  }
}
