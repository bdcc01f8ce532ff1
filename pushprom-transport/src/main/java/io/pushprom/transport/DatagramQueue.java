package io.pushprom.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Datagrams in the order they arrived, from the one thread that receives them to the one that
 * applies them: a ring of bytes holding each datagram as its length and its bytes, never split at
 * the ring's end. The receiving thread then only copies, and keeps the kernel's small buffer empty
 * while the applying thread parses; what a burst brings waits here, up to the ring's size, instead
 * of being dropped by the kernel.
 *
 * <p>One producer and one consumer: {@link #put} from the one, {@link #drain} from the other. A
 * full ring makes {@code put} wait, so the kernel's buffer fills and drops as it would without the
 * ring, and counts what it drops.
 *
 * <p>Each datagram carries its sender, its address and port in 6 or 18 bytes beside it, which the
 * consumer turns into text only when it asks: a rejected delta is shown with where it came from,
 * and a good one costs no string.
 */
final class DatagramQueue {
  /**
   * What the consumer does with each datagram; the bytes and the sender are the ring's until it
   * returns.
   */
  interface Handler {
    void handle(byte[] bytes, int offset, int length, Sender sender);
  }

  /** A record's first int: the datagram's length, and the kind of its sender's address above. */
  private static final int LENGTH_BYTES = Integer.BYTES;

  private static final int KIND_SHIFT = 24;
  private static final int LENGTH_MASK = (1 << KIND_SHIFT) - 1;

  /** No sender, an IPv4 one or an IPv6 one: the address's bytes, by kind. */
  private static final int[] ADDRESS_BYTES = {0, 4, 16};

  private static final byte[] ADDRESS_NONE = {};

  /** The most a sender takes beside its datagram: a port and an IPv6 address. */
  static final int MAX_SENDER_BYTES = Short.BYTES + 16;

  /** Where the ring ends early: the next record starts at 0. */
  private static final int WRAP = -1;

  private final byte[] ring;
  private final ByteBuffer producerView;
  private final ByteBuffer consumerView;

  /** Bytes ever written and ever consumed; the ring index is either modulo the ring's length. */
  private final AtomicLong tail = new AtomicLong();

  private final AtomicLong head = new AtomicLong();

  private volatile Thread parkedProducer;
  private volatile Thread parkedConsumer;
  private volatile boolean closed;

  /**
   * The producer's last sender, and its address's bytes: the JDK hands over the same object for
   * datagrams from the same sender, so a flood from one copies no address.
   */
  private InetSocketAddress lastSender;

  private byte[] lastAddress;

  /** The consumer's view of the sender of the datagram it is handed. */
  private final Sender sender = new Sender();

  /**
   * @param capacity bytes; a datagram takes its length, 4 more, and 6 or 18 for its sender
   * @param largest the longest datagram {@code put} will be given
   */
  DatagramQueue(int capacity, int largest) {
    if (capacity < 2 * (largest + LENGTH_BYTES + MAX_SENDER_BYTES)) {
      throw new IllegalArgumentException(
          "datagram queue: capacity " + capacity + " is less than two datagrams of " + largest);
    }
    this.ring = new byte[capacity];
    this.producerView = ByteBuffer.wrap(ring);
    this.consumerView = ByteBuffer.wrap(ring);
  }

  /** As {@link #put(ByteBuffer, InetSocketAddress)}, from no sender that it knows. */
  boolean put(ByteBuffer datagram) {
    return put(datagram, null);
  }

  /**
   * Copies the datagram between the position and the limit of {@code datagram} into the ring, with
   * its sender, waiting while it is full.
   *
   * @param from the sender, or {@code null}
   * @return false if the queue was closed, and the datagram not taken
   */
  boolean put(ByteBuffer datagram, InetSocketAddress from) {
    byte[] address = address(from);
    int kind = address.length == 4 ? 1 : address.length == 16 ? 2 : 0;
    int senderBytes = kind == 0 ? 0 : Short.BYTES + address.length;
    int length = datagram.remaining();
    int record = LENGTH_BYTES + senderBytes + length;
    long at = tail.get();
    int index = (int) (at % ring.length);
    int skip = ring.length - index < record ? ring.length - index : 0;
    long needed = skip + record;
    while (ring.length - (at - head.get()) < needed) {
      if (closed) {
        return false;
      }
      parkedProducer = Thread.currentThread();
      // Checked again once parked is visible, so that a drain in between cannot be missed.
      if (ring.length - (at - head.get()) < needed && !closed) {
        LockSupport.park(this);
      }
      parkedProducer = null;
    }
    if (skip >= LENGTH_BYTES) {
      producerView.putInt(index, WRAP);
    }
    int start = skip > 0 ? 0 : index;
    producerView.putInt(start, length | kind << KIND_SHIFT);
    if (kind != 0) {
      producerView.putShort(start + LENGTH_BYTES, (short) from.getPort());
      System.arraycopy(address, 0, ring, start + LENGTH_BYTES + Short.BYTES, address.length);
    }
    datagram.get(ring, start + LENGTH_BYTES + senderBytes, length);
    // The bytes are written before the tail says so: the consumer reads the tail first.
    tail.set(at + needed);
    Thread consumer = parkedConsumer;
    if (consumer != null) {
      LockSupport.unpark(consumer);
    }
    return true;
  }

  /**
   * Hands every datagram in the ring to {@code handler}, in order, waiting for one if there is
   * none.
   *
   * @return false once the queue is closed and empty
   */
  boolean drain(Handler handler) {
    long at = head.get();
    long end = tail.get();
    while (at == end) {
      if (closed) {
        return at != tail.get();
      }
      parkedConsumer = Thread.currentThread();
      if (tail.get() == at && !closed) {
        LockSupport.park(this);
      }
      parkedConsumer = null;
      end = tail.get();
    }
    while (at < end) {
      int index = (int) (at % ring.length);
      int left = ring.length - index;
      if (left < LENGTH_BYTES || consumerView.getInt(index) == WRAP) {
        at += left;
        continue;
      }
      int header = consumerView.getInt(index);
      int length = header & LENGTH_MASK;
      int kind = header >>> KIND_SHIFT;
      int senderBytes = kind == 0 ? 0 : Short.BYTES + ADDRESS_BYTES[kind];
      sender.at(index + LENGTH_BYTES, kind);
      try {
        handler.handle(ring, index + LENGTH_BYTES + senderBytes, length, sender);
      } finally {
        at += LENGTH_BYTES + senderBytes + length;
        // Released as soon as handled, so the producer can use the room while the rest is.
        head.set(at);
        Thread producer = parkedProducer;
        if (producer != null) {
          LockSupport.unpark(producer);
        }
      }
    }
    return true;
  }

  private byte[] address(InetSocketAddress from) {
    if (from == null || from.getAddress() == null) {
      return ADDRESS_NONE;
    }
    if (from != lastSender) {
      lastSender = from;
      lastAddress = from.getAddress().getAddress();
    }
    return lastAddress;
  }

  /**
   * The sender of the datagram being handled, read from the ring when asked: {@code
   * 192.0.2.1:41234}, {@code [2001:db8::1]:41234}, or empty when the producer did not know it.
   * Valid only until the handler returns.
   */
  final class Sender implements Supplier<String> {
    private int at;
    private int kind;

    private void at(int at, int kind) {
      this.at = at;
      this.kind = kind;
    }

    @Override
    public String get() {
      if (kind == 0) {
        return "";
      }
      int length = Short.BYTES + ADDRESS_BYTES[kind];
      // A flood comes from few senders: the last one's text is kept, and compared byte for byte.
      if (!Arrays.equals(ring, at, at + length, lastRaw, 0, lastRaw.length)) {
        lastRaw = Arrays.copyOfRange(ring, at, at + length);
        lastText = format(lastRaw, kind);
      }
      return lastText;
    }
  }

  /** The consumer's last sender, as stored, and as text. */
  private byte[] lastRaw = {};

  private String lastText;

  private static String format(byte[] raw, int kind) {
    int port = (raw[0] & 0xFF) << 8 | raw[1] & 0xFF;
    byte[] address = Arrays.copyOfRange(raw, Short.BYTES, raw.length);
    try {
      InetAddress parsed = InetAddress.getByAddress(address);
      String host = parsed.getHostAddress();
      return (kind == 1 ? host : "[" + host + "]") + ":" + port;
    } catch (UnknownHostException e) {
      throw new IllegalStateException("a sender of 4 or 16 bytes is always an address", e);
    }
  }

  /** Bytes waiting to be drained. */
  long backlog() {
    return tail.get() - head.get();
  }

  /** Refuses further datagrams; {@link #drain} still hands over those already in the ring. */
  void close() {
    closed = true;
    Thread producer = parkedProducer;
    if (producer != null) {
      LockSupport.unpark(producer);
    }
    Thread consumer = parkedConsumer;
    if (consumer != null) {
      LockSupport.unpark(consumer);
    }
  }
}
