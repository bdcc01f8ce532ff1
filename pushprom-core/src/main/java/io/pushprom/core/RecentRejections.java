package io.pushprom.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * The last {@value #CAPACITY} rejected deltas, in a fixed ring: a flood of garbage costs each
 * rejection one short string and one slot, never more memory. Writers take a slot with one atomic
 * increment and no lock, so ingest threads never wait on each other or on a reader.
 */
final class RecentRejections {
  static final int CAPACITY = 100;

  /** Kept with its place in the order of rejections, which a reader sorts by. */
  private record Entry(long sequence, RejectedDelta rejected) {}

  private final AtomicLong next = new AtomicLong();
  private final AtomicReferenceArray<Entry> ring = new AtomicReferenceArray<>(CAPACITY);

  /**
   * Keeps the last of {@code rejections}, up to {@value #CAPACITY}, each with its text from {@code
   * body}: a body of a million rejections costs no more than one of a hundred.
   *
   * @param source asked once, and only if there is a rejection
   */
  void record(
      Transport transport,
      Supplier<String> source,
      List<Rejection> rejections,
      DeltaParser.Batch batch,
      byte[] body) {
    if (rejections.isEmpty()) {
      return;
    }
    Instant now = Instant.now();
    String from = describe(source);
    // Ordered as in the body, so that the last one rejected is the newest.
    for (Rejection rejection :
        rejections.subList(Math.max(0, rejections.size() - CAPACITY), rejections.size())) {
      int index = rejection.index();
      String text = text(body, batch.start(index), batch.end(index));
      add(new RejectedDelta(now, transport, from, rejection.reason(), rejection.message(), text));
    }
  }

  private void add(RejectedDelta rejected) {
    long sequence = next.getAndIncrement();
    ring.set((int) (sequence % CAPACITY), new Entry(sequence, rejected));
  }

  /** The rejections kept, newest first. */
  List<RejectedDelta> list() {
    List<Entry> entries = new ArrayList<>(CAPACITY);
    for (int i = 0; i < CAPACITY; i++) {
      Entry entry = ring.get(i);
      if (entry != null) {
        entries.add(entry);
      }
    }
    entries.sort(Comparator.comparingLong(Entry::sequence).reversed());
    return entries.stream().map(Entry::rejected).toList();
  }

  private static String describe(Supplier<String> source) {
    String described;
    try {
      described = source == null ? null : source.get();
    } catch (RuntimeException e) {
      // The deltas are applied and counted by now: a source that cannot say is only unnamed.
      described = null;
    }
    if (described == null) {
      return "";
    }
    // A source is the transport's, not a client's, but a page shows it: bounded all the same.
    return described.length() > 200 ? described.substring(0, 200) + "…" : described;
  }

  /**
   * The bytes from {@code start} to {@code end} as UTF-8, blanks trimmed, at most {@link
   * RejectedDelta#MAX_TEXT} characters and an ellipsis; a malformed sequence reads as U+FFFD.
   */
  static String text(byte[] body, int start, int end) {
    while (start < end && isBlank(body[start])) {
      start++;
    }
    while (end > start && isBlank(body[end - 1])) {
      end--;
    }
    // No character takes more than four bytes, so these bytes hold every character that is kept,
    // and a sequence they cut short decodes past the cut. String's own decoder is the fastest.
    int read = Math.min(end - start, 4 * (RejectedDelta.MAX_TEXT + 1));
    String text = new String(body, start, read, StandardCharsets.UTF_8);
    if (text.length() <= RejectedDelta.MAX_TEXT) {
      return text;
    }
    int cut = RejectedDelta.MAX_TEXT;
    // Not between the two halves of a surrogate pair.
    if (Character.isHighSurrogate(text.charAt(cut - 1))) {
      cut--;
    }
    return text.substring(0, cut) + "…";
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }
}
