package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;

/** Sends datagrams to a port of the loopback address, each whole, as the PHP client does. */
final class UdpSender implements AutoCloseable {
  private final DatagramChannel channel;
  private final InetSocketAddress target;

  private UdpSender(DatagramChannel channel, InetSocketAddress target) {
    this.channel = channel;
    this.target = target;
  }

  static UdpSender to(int port) throws IOException {
    return new UdpSender(DatagramChannel.open(), new InetSocketAddress("127.0.0.1", port));
  }

  /**
   * Sends {@code text} from a socket opened for it alone, as the official PHP client sends every
   * delta ({@code fsockopen}, {@code fwrite}, {@code fclose}): each datagram has a new source port.
   */
  static void sendFromFreshSocket(int port, String text) throws IOException {
    try (UdpSender sender = to(port)) {
      sender.send(text);
    }
  }

  /** The port datagrams are sent from: the sender's, as the listener sees it. */
  int localPort() throws IOException {
    if (channel.getLocalAddress() == null) {
      channel.bind(new InetSocketAddress("127.0.0.1", 0));
    }
    return ((InetSocketAddress) channel.getLocalAddress()).getPort();
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  void send(byte[] datagram) throws IOException {
    assertEquals(datagram.length, channel.send(ByteBuffer.wrap(datagram), target), "bytes sent");
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
