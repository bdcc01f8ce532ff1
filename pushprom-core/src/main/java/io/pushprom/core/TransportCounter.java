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
  /** {@code pushprom_udp_packets_total}: datagrams received. */
  UDP_PACKETS("pushprom_udp_packets_total", "The number of packets received."),
  /** {@code pushprom_http_requests_total}: POSTs received. */
  HTTP_REQUESTS("pushprom_http_requests_total", "The number of http requests received."),
  /** {@code pushprom_scrape_errors_total}: scrapes that failed. */
  SCRAPE_ERRORS(
      "pushprom_scrape_errors_total", "Scrapes of /metrics that failed; the log says why."),
  /** {@code pushprom_http_connections_refused_total}: connections closed for want of a worker. */
  HTTP_CONNECTIONS_REFUSED(
      "pushprom_http_connections_refused_total",
      "HTTP connections closed unanswered because every worker was busy."),
  /** {@code pushprom_http_scrapes_refused_total}: scrapes refused while too many were answered. */
  HTTP_SCRAPES_REFUSED(
      "pushprom_http_scrapes_refused_total",
      "Scrapes and status pages refused with 503 because as many as may be were being answered."),
  /** {@code pushprom_http_bodies_refused_total}: POSTs refused while bodies held their memory. */
  HTTP_BODIES_REFUSED(
      "pushprom_http_bodies_refused_total",
      "POSTs refused with 503 because the bodies being read and applied held all the memory set"
          + " aside for them."),
  /** {@code pushprom_http_unauthorized_total}: requests refused for their credentials. */
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
