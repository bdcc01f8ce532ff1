package io.pushprom.transport;

import io.prometheus.client.Counter;
import io.pushprom.core.Aggregator;
import io.pushprom.core.IngestResult;
import io.pushprom.core.Transport;
import io.pushprom.core.TransportCounter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Takes deltas from UDP datagrams of up to 64 KiB: one delta, a JSON array or NDJSON each. UDP
 * cannot answer, so each valid delta is applied and each invalid one is counted in {@code
 * pushprom_deltas_rejected_total} (and logged at {@code INFO}, ten lines a second at most). No
 * datagram stops the listener, and an {@link OutOfMemoryError} ends the process with exit code 3.
 * Deltas are applied in the order their datagrams arrived, whoever sent them.
 *
 * <pre>{@code
 * try (UdpListener udp = UdpListener.start(aggregator, new InetSocketAddress(9090))) {
 *   // echo '{"type":"counter","name":"hits","method":"inc"}' | nc -u -w0 localhost 9090
 * }
 * }</pre>
 *
 * <p>It counts datagrams in {@code pushprom_udp_packets_total}, in the aggregator's telemetry, and
 * exposes what the kernel knows of its socket: {@code pushprom_udp_receive_drops_total}, datagrams
 * dropped before pushprom could read them, and {@code pushprom_udp_receive_buffer_bytes}, each
 * labelled {@code address} with the address the listener is bound to ({@code 0.0.0.0:9090}). So
 * several listeners may share an aggregator, on IPv4 and IPv6 or on several ports, each address
 * once.
 */
public final class UdpListener implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(UdpListener.class.getName());

  /** Rejected deltas are logged at {@code INFO}, this many lines a second at most. */
  private static final LogLimiter REJECTIONS = new LogLimiter(LOG, 10);

  private static final LogLimiter FAILURES = new LogLimiter(LOG, 10);

  /** Larger than any UDP payload, so no datagram is cut short. */
  static final int MAX_DATAGRAM_BYTES = 64 << 10;

  /**
   * Room for bursts while the JVM is paused: the kernel holds what arrives meanwhile, up to this,
   * capped at {@code net.core.rmem_max}. A small datagram takes about 1 KiB of it.
   */
  static final int DEFAULT_RECEIVE_BUFFER_BYTES = 8 << 20;

  /**
   * Room for bursts while the applying thread is busy: half a second of 100,000 datagrams of 150
   * bytes a second, where the kernel's default buffer holds a few hundred. It absorbed a cold JIT's
   * first second at 50,000 datagrams/s without a drop (docs/performance.md).
   */
  static final int DEFAULT_QUEUE_BYTES = 8 << 20;

  static final int MIN_QUEUE_BYTES = 256 << 10;

  private final Aggregator aggregator;
  private final DatagramChannel channel;
  private final InetSocketAddress bound;
  private final Counter packets;
  private final DatagramQueue queue;
  private final Thread receiver;
  private final Thread applier;

  private UdpListener(Aggregator aggregator, DatagramChannel channel, int queueBytes)
      throws IOException {
    this.aggregator = aggregator;
    this.channel = channel;
    this.bound = (InetSocketAddress) channel.getLocalAddress();
    this.packets = aggregator.telemetry().counter(TransportCounter.UDP_PACKETS);
    this.queue = new DatagramQueue(queueBytes, MAX_DATAGRAM_BYTES);
    this.receiver = new Thread(this::receive, "pushprom-udp-receive-" + port());
    this.applier = new Thread(this::apply, "pushprom-udp-apply-" + port());
    receiver.setDaemon(true);
    applier.setDaemon(true);
  }

  /**
   * Binds {@code address} (port 0 picks a free port) and starts receiving with the default
   * settings: {@code builder(aggregator).address(address).start()}.
   *
   * @throws java.net.BindException if the address is in use
   */
  public static UdpListener start(Aggregator aggregator, InetSocketAddress address)
      throws IOException {
    return builder(aggregator).address(address).start();
  }

  /** Settings for a listener that applies deltas with {@code aggregator}. */
  public static Builder builder(Aggregator aggregator) {
    return new Builder(aggregator);
  }

  /**
   * A listener's settings; {@link #start()} binds and starts it.
   *
   * <pre>{@code
   * UdpListener udp =
   *     UdpListener.builder(aggregator)
   *         .address(new InetSocketAddress("::1", 9090))
   *         .receiveBufferBytes(16 << 20)
   *         .start();
   * }</pre>
   */
  public static final class Builder {
    private final Aggregator aggregator;
    private InetSocketAddress address = new InetSocketAddress(9090);
    private int receiveBufferBytes = DEFAULT_RECEIVE_BUFFER_BYTES;
    private int queueBytes = DEFAULT_QUEUE_BYTES;

    private Builder(Aggregator aggregator) {
      this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
    }

    /** Where to listen; port 0 picks a free port. Default: every interface, port 9090. */
    public Builder address(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * The socket's receive buffer ({@code SO_RCVBUF}) to ask the kernel for: what arrives while the
     * JVM is paused waits there. Default 8 MiB; Linux caps it at {@code net.core.rmem_max}, and
     * {@code pushprom_udp_receive_buffer_bytes} shows what it granted.
     */
    public Builder receiveBufferBytes(int receiveBufferBytes) {
      this.receiveBufferBytes = positive("receive buffer bytes", receiveBufferBytes);
      return this;
    }

    /**
     * How many bytes of datagrams may wait between the thread that receives them and the one that
     * applies them; the receiver waits when it is full, and the kernel's buffer fills meanwhile.
     * Default 8 MiB; at least 256 KiB, room for a few datagrams of the largest size.
     */
    public Builder queueBytes(int queueBytes) {
      if (queueBytes < MIN_QUEUE_BYTES) {
        throw new IllegalArgumentException(
            "queue bytes: " + queueBytes + " is less than the minimum of " + MIN_QUEUE_BYTES);
      }
      this.queueBytes = queueBytes;
      return this;
    }

    /**
     * Binds the address and starts receiving on one socket: one thread takes the datagrams from it
     * into a queue, and one thread applies them from there, in the order they arrived, whatever
     * sockets they were sent from. The PHP client opens a new one for every delta, and its {@code
     * set} then {@code inc} must not become {@code inc} then {@code set}.
     *
     * @throws java.net.BindException if the address is in use
     */
    public UdpListener start() throws IOException {
      DatagramChannel channel = DatagramChannel.open();
      try {
        channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
        channel.bind(address);
        UdpListener listener = new UdpListener(aggregator, channel, queueBytes);
        int granted = channel.getOption(StandardSocketOptions.SO_RCVBUF);
        if (granted < receiveBufferBytes) {
          LOG.info(
              "udp receive buffer is "
                  + granted
                  + " bytes, not the "
                  + receiveBufferBytes
                  + " asked for: the kernel caps it at net.core.rmem_max; raise that to ride out"
                  + " longer bursts without drops (pushprom_udp_receive_drops_total)");
        }
        KernelDrops.join(aggregator.registry(), listener.bound, granted);
        listener.applier.start();
        listener.receiver.start();
        return listener;
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }

    private static int positive(String what, int value) {
      if (value < 1) {
        throw new IllegalArgumentException(what + ": " + value + " is not positive");
      }
      return value;
    }
  }

  /** The address the listener is bound to, with the real port if port 0 was asked for. */
  public InetSocketAddress address() {
    return bound;
  }

  /** The port the listener is bound to, the real one if port 0 was asked for. */
  public int port() {
    return address().getPort();
  }

  /** Moves datagrams from the socket to the queue, in the order the kernel hands them over. */
  private void receive() {
    // Direct, so that the kernel's bytes are copied once on the way to the queue.
    ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM_BYTES);
    try {
      while (true) {
        buffer.clear();
        SocketAddress sender;
        try {
          sender = channel.receive(buffer);
        } catch (ClosedChannelException e) {
          return;
        } catch (IOException e) {
          FAILURES.log(Level.WARNING, () -> "udp receive failed", e);
          continue;
        }
        packets.inc();
        if (!queue.put(buffer.flip(), (InetSocketAddress) sender)) {
          return;
        }
      }
    } catch (Throwable e) {
      Fatal.died(Thread.currentThread(), e);
    } finally {
      queue.close();
    }
  }

  /** Applies what the queue holds, one datagram after the other, until it is closed and empty. */
  private void apply() {
    boolean open = true;
    while (open) {
      try {
        open = queue.drain(this::handle);
      } catch (Throwable e) {
        // One datagram's failure, not the listener's: the queue has moved past it.
        Fatal.exitIfOutOfMemory(e);
        FAILURES.log(Level.SEVERE, () -> "failed to handle a datagram", e);
      }
    }
  }

  private void handle(byte[] datagram, int offset, int length, DatagramQueue.Sender sender) {
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine(
          "received over udp: "
              + new String(datagram, offset, length, StandardCharsets.UTF_8).strip());
    }
    IngestResult result = aggregator.ingestEach(Transport.UDP, datagram, offset, length, sender);
    if (!result.ok()) {
      REJECTIONS.log(
          Level.INFO,
          () ->
              "rejected over udp: "
                  + result.rejections().get(0)
                  + (result.rejections().size() > 1
                      ? " (and " + (result.rejections().size() - 1) + " more in the datagram)"
                      : ""));
    }
  }

  /** Stops receiving, releases the port, and applies what was received before. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.log(Level.WARNING, "closing the udp channel failed", e);
    }
    try {
      // The receiver closes the queue as it ends; the applier then applies what is left in it.
      receiver.join(5_000);
      queue.close();
      applier.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      KernelDrops.leave(aggregator.registry(), bound);
    }
  }
}
