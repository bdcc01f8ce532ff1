package io.pushprom.transport;

import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes deltas from UDP datagrams of up to 64 KiB: one delta, a JSON array or NDJSON each. UDP
 * cannot answer, so each valid delta is applied and each invalid one is counted in {@code
 * pushprom_deltas_rejected_total} (and logged at {@code FINE}). No datagram stops the listener.
 *
 * <pre>{@code
 * try (UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress(9090))) {
 *   // echo '{"type":"counter","name":"hits","method":"inc"}' | nc -u -w0 localhost 9090
 * }
 * }</pre>
 *
 * <p>It counts datagrams in {@code pushprom_udp_packets_total}, in the aggregator's telemetry, and
 * exposes what the kernel knows of the port: {@code pushprom_udp_receive_drops_total}, datagrams
 * dropped before pushprom could read them, and {@code pushprom_udp_receive_buffer_bytes}.
 */
public final class UdpListener implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(UdpListener.class.getName());

  /** Larger than any UDP payload, so no datagram is cut short. */
  static final int MAX_DATAGRAM_BYTES = 64 << 10;

  /** Room for bursts while the loop is busy; the kernel caps it at net.core.rmem_max. */
  private static final int RECEIVE_BUFFER_BYTES = 8 << 20;

  private final Aggregator aggregator;
  private final List<DatagramChannel> channels;
  private final Counter packets;
  private final List<Thread> receivers = new ArrayList<>();
  private final KernelDrops kernel;

  private UdpListener(Aggregator aggregator, List<DatagramChannel> channels) {
    this.aggregator = aggregator;
    this.channels = channels;
    this.packets =
        aggregator
            .telemetry()
            .counter("pushprom_udp_packets_total", "The number of packets received.");
    this.kernel = new KernelDrops(port(), receiveBuffer(channels.get(0)));
    for (DatagramChannel channel : channels) {
      Thread receiver =
          new Thread(() -> receive(channel), "pushprom-udp-" + (receivers.size() + 1));
      receiver.setDaemon(true);
      receivers.add(receiver);
    }
  }

  /**
   * Binds {@code address} (port 0 picks a free port) and starts receiving: on Linux with one socket
   * and thread per core, on {@code SO_REUSEPORT}. The kernel then hands all datagrams of one
   * sending socket to one of them, so each sender's deltas are applied in the order sent (a gauge's
   * last {@code set} wins), while many senders, as PHP's processes are, use every core.
   *
   * @throws java.net.BindException if the address is in use
   */
  public static UdpListener start(Aggregator aggregator, InetSocketAddress address)
      throws IOException {
    int sockets = socketsPerPort();
    List<DatagramChannel> channels = new ArrayList<>();
    try {
      InetSocketAddress target = sockets == 1 ? address : freeToShare(address);
      for (int i = 0; i < sockets; i++) {
        DatagramChannel channel = DatagramChannel.open();
        channels.add(channel);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
        if (sockets > 1) {
          channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        }
        channel.bind(target);
      }
      UdpListener listener = new UdpListener(aggregator, channels);
      aggregator.registry().register(listener.kernel);
      listener.receivers.forEach(Thread::start);
      return listener;
    } catch (IOException | RuntimeException e) {
      closeAll(channels);
      throw e;
    }
  }

  /** Closes every channel, even when closing one fails. */
  private static void closeAll(List<DatagramChannel> channels) {
    for (DatagramChannel channel : channels) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.log(Level.WARNING, "closing a udp channel failed", e);
      }
    }
  }

  private static int socketsPerPort() throws IOException {
    try (DatagramChannel channel = DatagramChannel.open()) {
      return channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)
          ? Math.max(1, Runtime.getRuntime().availableProcessors())
          : 1;
    }
  }

  /**
   * Binds {@code address} once without {@code SO_REUSEPORT} and lets go: that fails if the port is
   * taken, which binding with it would not if the taker used it too (another pushprom, say).
   *
   * @return the address with the port that was free
   */
  private static InetSocketAddress freeToShare(InetSocketAddress address) throws IOException {
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(address);
      int port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
      return new InetSocketAddress(address.getAddress(), port);
    }
  }

  /** The address the listener is bound to, with the real port if port 0 was asked for. */
  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) channels.get(0).getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("udp listener is closed", e);
    }
  }

  /** The port the listener is bound to, the real one if port 0 was asked for. */
  public int port() {
    return address().getPort();
  }

  private void receive(DatagramChannel channel) {
    ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM_BYTES);
    while (true) {
      buffer.clear();
      try {
        channel.receive(buffer);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        LOG.log(Level.WARNING, "udp receive failed", e);
        continue;
      }
      packets.inc();
      try {
        handle(buffer.array(), buffer.position());
      } catch (RuntimeException e) {
        LOG.log(Level.SEVERE, "failed to handle a datagram", e);
      }
    }
  }

  private void handle(byte[] datagram, int length) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "received over udp: " + new String(datagram, 0, length, StandardCharsets.UTF_8).strip());
    }
    IngestResult result = aggregator.ingestEach("udp", datagram, 0, length);
    if (!result.ok() && LOG.isLoggable(Level.FINE)) {
      result.rejections().forEach(rejection -> LOG.fine("rejected over udp: " + rejection));
    }
  }

  private static int receiveBuffer(DatagramChannel channel) {
    try {
      return channel.getOption(StandardSocketOptions.SO_RCVBUF);
    } catch (IOException e) {
      throw new UncheckedIOException("udp listener: cannot read SO_RCVBUF", e);
    }
  }

  /** Stops receiving and releases the port. */
  @Override
  public void close() {
    closeAll(channels);
    try {
      for (Thread receiver : receivers) {
        receiver.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      aggregator.registry().unregister(kernel);
    }
  }
}
