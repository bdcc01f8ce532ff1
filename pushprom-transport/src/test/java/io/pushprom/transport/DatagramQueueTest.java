package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DatagramQueueTest {
  private static ByteBuffer datagram(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Drains the queue on this thread until it is closed and empty. */
  private static List<String> drainAll(DatagramQueue queue) {
    List<String> received = new ArrayList<>();
    while (queue.drain(
        (bytes, offset, length, sender) ->
            received.add(new String(bytes, offset, length, StandardCharsets.UTF_8)))) {
      // Each call hands over what is there, or waits for more.
    }
    return received;
  }

  @Test
  void datagramsComeOutInTheOrderPutAcrossManyWrapsOfARingTooSmallForThem() throws Exception {
    // 100 bytes hold a handful of these: the producer waits for room again and again.
    DatagramQueue queue = new DatagramQueue(100, 20);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      sent.add("d" + i + "x".repeat(i % 13));
    }
    CompletableFuture<List<String>> received = CompletableFuture.supplyAsync(() -> drainAll(queue));

    for (String text : sent) {
      assertTrue(queue.put(datagram(text)));
    }
    queue.close();

    assertEquals(sent, received.get(30, TimeUnit.SECONDS));
  }

  @Test
  void emptyDatagramIsHandedOverAsEmpty() {
    DatagramQueue queue = new DatagramQueue(64, 8);
    queue.put(datagram(""));
    queue.put(datagram("a"));
    queue.close();

    assertEquals(List.of("", "a"), drainAll(queue));
  }

  @Test
  void closeKeepsWhatWasPutForTheConsumerAndRefusesMore() {
    DatagramQueue queue = new DatagramQueue(64, 8);
    queue.put(datagram("one"));
    queue.put(datagram("two"));
    queue.close();

    assertEquals(List.of("one", "two"), drainAll(queue));
    assertEquals(0, queue.backlog());
  }

  @Test
  void closeReleasesAProducerWaitingForRoom() throws Exception {
    // Two datagrams of 4 bytes from IPv6 senders fill it: 4 bytes of length, 18 of sender each.
    DatagramQueue queue = new DatagramQueue(52, 4);
    InetSocketAddress sender = new InetSocketAddress("::1", 41234);
    assertTrue(queue.put(datagram("1234"), sender));
    assertTrue(queue.put(datagram("5678"), sender));
    CompletableFuture<Boolean> third =
        CompletableFuture.supplyAsync(() -> queue.put(datagram("9")));

    queue.close();

    assertFalse(third.get(30, TimeUnit.SECONDS));
    assertEquals(List.of("1234", "5678"), drainAll(queue));
  }

  @Test
  void handlerThatThrowsLosesOnlyItsOwnDatagram() {
    DatagramQueue queue = new DatagramQueue(64, 8);
    queue.put(datagram("bad"));
    queue.put(datagram("good"));
    queue.close();

    assertThrows(
        IllegalStateException.class,
        () ->
            queue.drain(
                (bytes, offset, length, sender) -> {
                  throw new IllegalStateException("handler failed");
                }));

    assertEquals(List.of("good"), drainAll(queue));
  }

  @Test
  void eachDatagramCarriesItsSender() {
    DatagramQueue queue = new DatagramQueue(200, 20);
    queue.put(datagram("a"), new InetSocketAddress("192.0.2.1", 5000));
    queue.put(datagram("b"), new InetSocketAddress("2001:db8::1", 65535));
    queue.put(datagram("c"));
    queue.put(datagram("d"), new InetSocketAddress("192.0.2.1", 5000));
    queue.close();

    List<String> received = new ArrayList<>();
    while (queue.drain(
        (bytes, offset, length, sender) ->
            received.add(
                new String(bytes, offset, length, StandardCharsets.UTF_8) + " " + sender.get()))) {
      // Until closed and empty.
    }

    assertEquals(
        List.of("a 192.0.2.1:5000", "b [2001:db8:0:0:0:0:0:1]:65535", "c ", "d 192.0.2.1:5000"),
        received);
  }

  @Test
  void sendersComeOutInOrderAcrossManyWraps() throws Exception {
    DatagramQueue queue = new DatagramQueue(100, 20);
    CompletableFuture<List<String>> received =
        CompletableFuture.supplyAsync(
            () -> {
              List<String> senders = new ArrayList<>();
              while (queue.drain((bytes, offset, length, sender) -> senders.add(sender.get()))) {
                // Until closed and empty.
              }
              return senders;
            });
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      InetSocketAddress sender =
          i % 3 == 0
              ? new InetSocketAddress("2001:db8::" + Integer.toHexString(i), i)
              : new InetSocketAddress("10.0." + i / 256 % 256 + "." + i % 256, i);
      sent.add(
          (sender.getAddress() instanceof java.net.Inet6Address
                  ? "[" + sender.getAddress().getHostAddress() + "]"
                  : sender.getAddress().getHostAddress())
              + ":"
              + i);
      assertTrue(queue.put(datagram("x".repeat(i % 17)), sender));
    }
    queue.close();

    assertEquals(sent, received.get(30, TimeUnit.SECONDS));
  }

  @Test
  void ringSmallerThanTwoOfTheLargestDatagramsIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DatagramQueue(100, 60));

    assertEquals("datagram queue: capacity 100 is less than two datagrams of 60", e.getMessage());
  }
}
