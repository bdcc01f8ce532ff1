package io.pushprom.transport;

import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.CounterMetricFamily;
import io.prometheus.client.GaugeMetricFamily;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;

/**
 * What the kernel knows of each UDP listener's socket that Pushprom cannot count itself: datagrams
 * it dropped (mostly because the receive buffer was full) and the size of that buffer, one series
 * per listener, labelled {@code address} with the address it is bound to ({@code 0.0.0.0:9090},
 * {@code [::1]:9090}). Read from {@code /proc/net/udp} and {@code /proc/net/udp6} at each scrape;
 * on a system without them, the drops are not exposed.
 *
 * <p>A registry has one, which every listener of its aggregator joins: the metric names are the
 * registry's to give once, and a collector per listener would clash.
 */
final class KernelDrops extends Collector implements Collector.Describable {
  static final String DROPS = "pushprom_udp_receive_drops";
  static final String BUFFER = "pushprom_udp_receive_buffer_bytes";
  static final String LABEL = "address";
  private static final List<Path> TABLES =
      List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

  /** Each registry's collector, while a listener uses it. Guarded by its own lock. */
  private static final Map<CollectorRegistry, KernelDrops> REGISTERED = new WeakHashMap<>();

  /** The sockets of the listeners, by their {@code address} label. Guarded by REGISTERED. */
  private final Map<String, Socket> sockets = new TreeMap<>();

  private KernelDrops() {}

  /** A listener's socket, as the kernel's tables name it. */
  private record Socket(Set<String> tableAddresses, int bufferBytes) {}

  /**
   * Adds a listener bound to {@code address} to the collector of {@code registry}, registering one
   * if it has none; {@link #leave} undoes it.
   *
   * @throws IllegalArgumentException if a listener bound to that address is already there
   */
  static void join(CollectorRegistry registry, InetSocketAddress address, int bufferBytes) {
    synchronized (REGISTERED) {
      KernelDrops drops = REGISTERED.get(registry);
      if (drops == null) {
        drops = new KernelDrops();
        registry.register(drops);
        REGISTERED.put(registry, drops);
      }
      String label = label(address);
      if (drops.sockets.containsKey(label)) {
        throw new IllegalArgumentException("udp listener: " + label + " is already exposed");
      }
      drops.sockets.put(label, new Socket(tableAddresses(address), bufferBytes));
    }
  }

  /** Removes the listener bound to {@code address}, and the collector with its last listener. */
  static void leave(CollectorRegistry registry, InetSocketAddress address) {
    synchronized (REGISTERED) {
      KernelDrops drops = REGISTERED.get(registry);
      if (drops == null) {
        return;
      }
      drops.sockets.remove(label(address));
      if (drops.sockets.isEmpty()) {
        registry.unregister(drops);
        REGISTERED.remove(registry);
      }
    }
  }

  /** The {@code address} label of a listener bound to {@code address}: {@code [::1]:9090}. */
  static String label(InetSocketAddress address) {
    String host = address.getAddress().getHostAddress();
    int scope = host.indexOf('%');
    if (scope >= 0) {
      host = host.substring(0, scope);
    }
    return (host.contains(":") ? "[" + shortest(host) + "]" : host) + ":" + address.getPort();
  }

  /** An IPv6 address as people write it: the longest run of zero groups as {@code ::}. */
  private static String shortest(String full) {
    String[] groups = full.split(":");
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < groups.length; i++) {
      int length = 0;
      while (i + length < groups.length && groups[i + length].equals("0")) {
        length++;
      }
      if (length > bestLength) {
        bestStart = i;
        bestLength = length;
      }
    }
    if (bestStart < 0) {
      return full;
    }
    String head = String.join(":", List.of(groups).subList(0, bestStart));
    String tail = String.join(":", List.of(groups).subList(bestStart + bestLength, groups.length));
    return head + "::" + tail;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    Map<String, Socket> listeners;
    synchronized (REGISTERED) {
      listeners = new TreeMap<>(sockets);
    }
    GaugeMetricFamily buffer =
        new GaugeMetricFamily(
            BUFFER, "The receive buffer the kernel gave the UDP socket.", List.of(LABEL));
    listeners.forEach((label, socket) -> buffer.addMetric(List.of(label), socket.bufferBytes()));
    List<MetricFamilySamples> families = new ArrayList<>();
    families.add(buffer);
    Map<String, Long> table = table();
    if (table != null) {
      CounterMetricFamily drops =
          new CounterMetricFamily(
              DROPS,
              "Datagrams for the UDP socket that the kernel dropped, mostly because the receive"
                  + " buffer was full (net.core.rmem_max caps it).",
              List.of(LABEL));
      listeners.forEach(
          (label, socket) -> {
            long dropped = 0;
            for (String tableAddress : socket.tableAddresses()) {
              dropped += table.getOrDefault(tableAddress, 0L);
            }
            drops.addMetric(List.of(label), dropped);
          });
      families.add(drops);
    }
    return families;
  }

  @Override
  public List<MetricFamilySamples> describe() {
    return List.of(
        new GaugeMetricFamily(BUFFER, "", List.of(LABEL)),
        new CounterMetricFamily(DROPS, "", List.of(LABEL)));
  }

  /**
   * The drops of every socket the kernel lists, by its local address as the table writes it ({@code
   * 0100007F:2382}), or null if the kernel does not tell.
   */
  private static Map<String, Long> table() {
    Map<String, Long> drops = null;
    for (Path table : TABLES) {
      List<String> lines;
      try {
        lines = Files.readAllLines(table);
      } catch (IOException e) {
        continue;
      }
      if (drops == null) {
        drops = new HashMap<>();
      }
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        String[] columns = line.trim().split("\\s+");
        // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
        // ref pointer drops
        if (columns.length >= 13) {
          try {
            drops.merge(columns[1], Long.parseLong(columns[columns.length - 1]), Long::sum);
          } catch (NumberFormatException e) {
            // A kernel that writes the table otherwise: no figure rather than a failed scrape.
          }
        }
      }
    }
    return drops;
  }

  /**
   * How the kernel's tables may write a socket bound to {@code address}: an IPv4 address on an IPv6
   * socket (Java's default on a dual-stack host) shows as {@code ::ffff:a.b.c.d} in {@code udp6},
   * the wildcard as {@code 0.0.0.0} or {@code ::}. Each 32-bit word is printed as the machine holds
   * it, so in reverse on a little-endian one: 127.0.0.1 is {@code 0100007F}.
   */
  static Set<String> tableAddresses(InetSocketAddress address) {
    String port = String.format(Locale.ROOT, ":%04X", address.getPort());
    InetAddress host = address.getAddress();
    byte[] bytes = host.getAddress();
    if (host.isAnyLocalAddress()) {
      return Set.of(words(new byte[4]) + port, words(new byte[16]) + port);
    }
    if (bytes.length == 4) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xFF;
      mapped[11] = (byte) 0xFF;
      System.arraycopy(bytes, 0, mapped, 12, 4);
      return Set.of(words(bytes) + port, words(mapped) + port);
    }
    return Set.of(words(bytes) + port);
  }

  private static String words(byte[] bytes) {
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
    StringBuilder text = new StringBuilder();
    while (buffer.hasRemaining()) {
      text.append(String.format(Locale.ROOT, "%08X", buffer.getInt()));
    }
    return text.toString();
  }
}
