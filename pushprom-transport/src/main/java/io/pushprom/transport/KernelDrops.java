package io.pushprom.transport;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What the kernel knows of the UDP port that pushprom cannot count itself: datagrams it dropped
 * (mostly because the receive buffer was full) and the size of that buffer. Read from {@code
 * /proc/net/udp} and {@code /proc/net/udp6} at each scrape; on a system without them, the drops are
 * not exposed.
 */
final class KernelDrops extends Collector implements Collector.Describable {
  static final String DROPS = "pushprom_udp_receive_drops";
  static final String BUFFER = "pushprom_udp_receive_buffer_bytes";
  private static final List<Path> TABLES =
      List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

  private final String port;
  private final int bufferBytes;

  KernelDrops(int port, int bufferBytes) {
    this.port = String.format(Locale.ROOT, ":%04X", port);
    this.bufferBytes = bufferBytes;
  }

  /** The receive buffer the kernel granted the socket. */
  int bufferBytes() {
    return bufferBytes;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    List<MetricFamilySamples> families = new ArrayList<>();
    families.add(
        new GaugeMetricFamily(
            BUFFER, "The receive buffer the kernel gave the UDP socket.", bufferBytes));
    long drops = drops();
    if (drops >= 0) {
      families.add(
          new CounterMetricFamily(
              DROPS,
              "Datagrams for the UDP port that the kernel dropped, mostly because the receive"
                  + " buffer was full (net.core.rmem_max caps it).",
              drops));
    }
    return families;
  }

  @Override
  public List<MetricFamilySamples> describe() {
    return List.of(
        new GaugeMetricFamily(BUFFER, "", List.of()),
        new CounterMetricFamily(DROPS, "", List.of()));
  }

  /** The drops of every socket on the port, or -1 if the kernel does not tell. */
  private long drops() {
    long drops = -1;
    for (Path table : TABLES) {
      List<String> lines;
      try {
        lines = Files.readAllLines(table);
      } catch (IOException e) {
        continue;
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] columns = line.trim().split("\\s+");
        // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
        // ref pointer drops
        if (columns.length >= 13 && columns[1].endsWith(port)) {
          try {
            drops = Math.max(drops, 0) + Long.parseLong(columns[columns.length - 1]);
          } catch (NumberFormatException e) {
            // A kernel that writes the table otherwise: no figure rather than a failed scrape.
          }
        }
      }
    }
    return drops;
  }
}
