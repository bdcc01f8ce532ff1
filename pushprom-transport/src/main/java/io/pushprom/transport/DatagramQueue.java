package io.pushprom.transport;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
 */
final class DatagramQueue {
  /** What the consumer does with each datagram; the bytes are the ring's until it returns. */
  interface Handler {
    void handle(byte[] bytes, int offset, int length);
  }

  private static final int LENGTH_BYTES = Integer.BYTES;

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
   * @param capacity bytes; a datagram takes its length and 4 more
   * @param largest the longest datagram {@code put} will be given
   */
  DatagramQueue(int capacity, int largest) {
    if (capacity < 2 * (largest + LENGTH_BYTES)) {
      throw new IllegalArgumentException(
          "datagram queue: capacity " + capacity + " is less than two datagrams of " + largest);
    }
    this.ring = new byte[capacity];
    this.producerView = ByteBuffer.wrap(ring);
    this.consumerView = ByteBuffer.wrap(ring);
  }

  /**
   * Copies the datagram between the position and the limit of {@code datagram} into the ring,
   * waiting while it is full.
   *
   * @return false if the queue was closed, and the datagram not taken
   */
  boolean put(ByteBuffer datagram) {
    int length = datagram.remaining();
    long at = tail.get();
    int index = (int) (at % ring.length);
    int skip = ring.length - index < LENGTH_BYTES + length ? ring.length - index : 0;
    long needed = skip + LENGTH_BYTES + length;
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
    producerView.putInt(start, length);
    datagram.get(ring, start + LENGTH_BYTES, length);
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
      int length = consumerView.getInt(index);
      try {
        handler.handle(ring, index + LENGTH_BYTES, length);
      } finally {
        at += LENGTH_BYTES + length;
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
