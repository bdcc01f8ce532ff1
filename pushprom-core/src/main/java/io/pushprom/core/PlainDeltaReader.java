package io.pushprom.core;

import java.nio.charset.StandardCharsets;

/**
 * Reads the deltas of a body in the shape clients send, without Jackson: one delta, NDJSON or one
 * array of deltas, each an object of {@code type}, {@code name}, {@code help}, {@code method},
 * {@code value} and {@code labels}, whose strings are plain (ASCII, no escapes, at most 256
 * characters) and whose labels are strings. It stops at the first thing outside that shape, and at
 * the first delta that is not valid, and leaves the whole body to {@link DeltaParser}: so what it
 * reads is what Jackson would read, and every rejection is still made by the one path that makes
 * them. {@code PlainDeltaReaderTest} holds the two to the same batches.
 *
 * <p>Jackson tokenizes everything; for a delta of 122 bytes most of its cost was making a parser
 * and tokenizing, which this does in one pass over the bytes with no allocation but the delta.
 */
final class PlainDeltaReader {
  /** The fields read here, by their index in {@link #FIELDS}. */
  private static final int TYPE = 0;

  private static final int NAME = 1;
  private static final int HELP = 2;
  private static final int METHOD = 3;
  private static final int VALUE = 4;
  private static final int LABELS = 5;
  private static final String[] FIELDS = {"type", "name", "help", "method", "value", "labels"};

  /**
   * Each field's name and closing quote as the bytes of a {@code long}, the first in the lowest
   * byte (as {@link TextCache#word} reads them), and the mask of those bytes: a field's name is
   * found with one comparison.
   */
  private static final long[] FIELD_WORDS = new long[FIELDS.length];

  private static final long[] FIELD_MASKS = new long[FIELDS.length];

  static {
    for (int i = 0; i < FIELDS.length; i++) {
      byte[] quoted = (FIELDS[i] + '"').getBytes(StandardCharsets.US_ASCII);
      for (int b = quoted.length - 1; b >= 0; b--) {
        FIELD_WORDS[i] = FIELD_WORDS[i] << 8 | quoted[b];
        FIELD_MASKS[i] = FIELD_MASKS[i] << 8 | 0xFF;
      }
    }
  }

  /** Longer numbers are for Jackson, which bounds them and reads the rare huge one. */
  private static final int MAX_NUMBER = 24;

  /** Integers of at most this many digits fit a {@code long}, as Jackson reads them. */
  private static final int LONG_DIGITS = 18;

  /** Where {@link #read} gave up. */
  private static final int DECLINED = -1;

  private final byte[] bytes;
  private final int end;
  private final DeltaParser.Fields fields;
  private final TextCache texts = TextCache.ofThisThread();
  private final DeltaParser.Batch batch = new DeltaParser.Batch();
  private final Limits limits;
  private final int offset;

  private PlainDeltaReader(byte[] bytes, int offset, int end, Limits limits) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
    this.limits = limits;
    this.fields =
        DeltaParser.Fields.of(new DeltaParser.Source(bytes, offset, offset, end, false, limits));
  }

  /**
   * The deltas of the ASCII body from {@code offset} to {@code end}, or {@code null} if it is not
   * all valid deltas of the usual shape, for {@link DeltaParser} to read.
   */
  static DeltaParser.Batch read(byte[] bytes, int offset, int end, Limits limits) {
    PlainDeltaReader reader = new PlainDeltaReader(bytes, offset, end, limits);
    return reader.body() ? reader.batch : null;
  }

  /** Reads objects separated by white space, or one array of them. */
  private boolean body() {
    int at = blank(offset);
    if (at == end) {
      return false; // empty: the parser says so
    }
    if (bytes[at] == '[') {
      at = blank(at + 1);
      while (true) {
        if (full(at)) {
          return true;
        }
        at = delta(at);
        if (at == DECLINED) {
          return false;
        }
        at = blank(at);
        if (at == end) {
          return false;
        }
        if (bytes[at] == ']') {
          return blank(at + 1) == end;
        }
        if (bytes[at] != ',') {
          return false;
        }
        at = blank(at + 1);
      }
    }
    while (at < end) {
      if (full(at)) {
        return true;
      }
      at = delta(at);
      // Jackson needs no blank between two objects; this asks for one, and leaves it that.
      if (at == DECLINED || at < end && !isBlank(bytes[at])) {
        return false;
      }
      at = blank(at);
    }
    return true;
  }

  /**
   * Whether the body holds more deltas than it may, another one starting at {@code at}: then the
   * rest is refused as one, unread, as the parser refuses it.
   */
  private boolean full(int at) {
    if (batch.size() < limits.maxDeltasPerBody() || at >= end || bytes[at] != '{') {
      return false;
    }
    batch.reject(Reason.INVALID, limits.deltaCount(), offset, end);
    return true;
  }

  /** Reads the delta at {@code at}, and returns where it ends, past its closing brace. */
  private int delta(int at) {
    if (at >= end || bytes[at] != '{') {
      return DECLINED;
    }
    int from = at;
    DeltaParser.Fields delta = fields.clear();
    at = blank(at + 1);
    if (at < end && bytes[at] == '}') {
      return DECLINED; // an empty object: the parser tells what it lacks
    }
    while (true) {
      if (at >= end || bytes[at] != '"') {
        return DECLINED;
      }
      int field = field(at + 1);
      if (field == DECLINED) {
        return DECLINED;
      }
      at = blank(at + 1 + FIELDS[field].length() + 1);
      if (at >= end || bytes[at] != ':') {
        return DECLINED;
      }
      at = blank(at + 1);
      at =
          switch (field) {
            case VALUE -> number(at);
            case LABELS -> labels(at);
            default -> string(field, at);
          };
      if (at == DECLINED) {
        return DECLINED;
      }
      at = blank(at);
      if (at >= end) {
        return DECLINED;
      }
      if (bytes[at] == '}') {
        break;
      }
      if (bytes[at] != ',') {
        return DECLINED;
      }
      at = blank(at + 1);
    }
    try {
      batch.add(delta.toDelta(), from, at + 1);
    } catch (InvalidDeltaException e) {
      return DECLINED;
    }
    return at + 1;
  }

  /**
   * The field whose name starts at {@code at}, past its quote, or {@link #DECLINED} for another.
   */
  private int field(int at) {
    long word = TextCache.word(bytes, at);
    for (int field = 0; field < FIELDS.length; field++) {
      if ((word & FIELD_MASKS[field]) == FIELD_WORDS[field]) {
        // The body may end before the eight bytes read, but not before the closing quote.
        return at + FIELDS[field].length() < end ? field : DECLINED;
      }
    }
    return DECLINED;
  }

  /** Reads a string field's plain value at {@code at}. */
  private int string(int field, int at) {
    String plain = plain(at);
    if (plain == null) {
      return DECLINED;
    }
    if (field == TYPE) {
      fields.type(plain);
    } else if (field == METHOD) {
      fields.method(plain);
    } else if (!(field == NAME ? fields.name(plain) : fields.help(plain))) {
      return DECLINED;
    }
    return at + plain.length() + 2;
  }

  /** The plain string whose opening quote is at {@code at}, or {@code null}. */
  private String plain(int at) {
    return at < end && bytes[at] == '"' ? texts.plain(bytes, at + 1, end) : null;
  }

  /** Reads a labels object of plain strings at {@code at}. */
  private int labels(int at) {
    if (at >= end || bytes[at] != '{') {
      return DECLINED;
    }
    fields.startLabels();
    at = blank(at + 1);
    if (at < end && bytes[at] == '}') {
      fields.endLabels();
      return at + 1;
    }
    while (true) {
      String label = plain(at);
      if (label == null) {
        return DECLINED;
      }
      at = blank(at + label.length() + 2);
      if (at >= end || bytes[at] != ':') {
        return DECLINED;
      }
      at = blank(at + 1);
      String value = plain(at);
      if (value == null || !fields.plainLabel(label, value)) {
        return DECLINED;
      }
      at = blank(at + value.length() + 2);
      if (at >= end) {
        return DECLINED;
      }
      if (bytes[at] == '}') {
        fields.endLabels();
        return at + 1;
      }
      if (bytes[at] != ',') {
        return DECLINED;
      }
      at = blank(at + 1);
    }
  }

  /**
   * Reads a JSON number at {@code at} as Jackson does: an integer as a {@code long} made a double
   * (so {@code -0} is zero), anything else by {@link Double#parseDouble}.
   */
  private int number(int at) {
    int i = at;
    boolean negative = i < end && bytes[i] == '-';
    if (negative) {
      i++;
    }
    int digits = i;
    if (i < end && bytes[i] == '0') {
      i++;
    } else {
      i = digits(i);
      if (i == digits) {
        return DECLINED;
      }
    }
    int integerEnd = i;
    if (i < end && bytes[i] == '.') {
      int fraction = i + 1;
      i = digits(fraction);
      if (i == fraction) {
        return DECLINED;
      }
    }
    if (i < end && (bytes[i] == 'e' || bytes[i] == 'E')) {
      int exponent = i + 1;
      if (exponent < end && (bytes[exponent] == '+' || bytes[exponent] == '-')) {
        exponent++;
      }
      i = digits(exponent);
      if (i == exponent) {
        return DECLINED;
      }
    }
    // What follows a number ends it; anything else ("01", "1x") is for the parser to refuse.
    if (i - at > MAX_NUMBER
        || i < end && !isBlank(bytes[i]) && bytes[i] != ',' && bytes[i] != '}') {
      return DECLINED;
    }
    if (i == integerEnd && integerEnd - digits <= LONG_DIGITS) {
      long integer = 0;
      for (int d = digits; d < integerEnd; d++) {
        integer = 10 * integer + (bytes[d] - '0');
      }
      fields.value(negative ? -integer : integer);
    } else {
      fields.value(Double.parseDouble(new String(bytes, at, i - at, StandardCharsets.US_ASCII)));
    }
    return i;
  }

  private int digits(int at) {
    while (at < end && bytes[at] >= '0' && bytes[at] <= '9') {
      at++;
    }
    return at;
  }

  private int blank(int at) {
    while (at < end && isBlank(bytes[at])) {
      at++;
    }
    return at;
  }

  private static boolean isBlank(byte b) {
    // Most bytes read here are not blank, and tell so in one comparison.
    return b <= ' ' && (b == ' ' || b == '\n' || b == '\r' || b == '\t');
  }
}
