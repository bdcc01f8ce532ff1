package io.pushprom.transport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Hostile deltas for {@link FuzzTest}: random deltas, and deltas mutated in the ways clients and
 * attackers get them wrong, all drawn from one seeded {@link Random} so that a seed replays them
 * exactly. No name it makes is {@code fuzz_valid}, the counter the fuzz test keeps exact.
 */
final class HostileDeltas {
  /** What was done to a delta; counted, so that a run can say what it sent. */
  enum Kind {
    RANDOM_DELTA,
    BYTE_FLIP,
    TRUNCATION,
    DUPLICATE_FIELD,
    DELETED_QUOTES_OR_BRACES,
    TYPE_METHOD_SWAP,
    HOSTILE_NUMBER,
    LONG_NUMBER,
    LONE_SURROGATE,
    INVALID_UTF8,
    OVERLONG_NAME,
    HUGE_HELP,
    MANY_LABELS,
    HUGE_LABEL_VALUE,
    MANY_BUCKETS,
    DEEP_NESTING,
    SELF_METRIC_NAME,
    TYPE_CONFLICT,
    BUCKET_CONFLICT,
    NUL_BYTES,
    NOT_AN_OBJECT,
    ARRAY_OF_ARRAYS,
    RANDOM_BYTES,
    EMPTY,
    BOM_INSIDE,
    /** Tiny deltas past the limit of a body: counted as one. */
    TOO_MANY_DELTAS
  }

  /** Kinds whose size grows with the room they are given; the others are small. */
  private static final List<Kind> LARGE =
      List.of(
          Kind.HUGE_LABEL_VALUE,
          Kind.MANY_BUCKETS,
          Kind.MANY_LABELS,
          Kind.HUGE_HELP,
          Kind.DEEP_NESTING,
          Kind.OVERLONG_NAME,
          Kind.LONG_NUMBER,
          Kind.TOO_MANY_DELTAS);

  private static final String[] TYPES = {"counter", "gauge", "histogram", "summary"};
  private static final String[][] METHODS = {
    {"inc", "add"}, {"set", "inc", "dec", "add", "sub"}, {"observe"}, {"observe"}
  };
  private static final String[] ALL_METHODS = {"inc", "add", "set", "dec", "sub", "observe"};
  private static final String[] BAD_TYPES = {
    "Counter", "GAUGE", "counter ", "", "untyped", "info", "histograms", "count\\u0065r"
  };
  private static final String[] BAD_METHODS = {"INC", "Set", "", "increment", "observe ", "del"};

  private static final String[] NAMES = {
    "gophers",
    "gophers_total",
    "trees",
    "fuzz_latency_seconds",
    "fuzz_sizes",
    "fuzz_temperature",
    "job:requests:rate5m",
    "_",
    "x",
    "up",
    "_total",
    "9lives",
    "bad-name",
    "",
    "ünïcode"
  };

  /** The names of pushprom's own metrics, and of the series they expose. */
  private static final String[] SELF_NAMES = {
    "pushprom_deltas_applied",
    "pushprom_deltas_applied_total",
    "pushprom_deltas_rejected",
    "pushprom_deltas_rejected_total",
    "pushprom_deltas_rejected_created",
    "pushprom_udp_packets",
    "pushprom_udp_packets_total",
    "pushprom_http_requests",
    "pushprom_http_requests_total",
    "pushprom_scrape_errors_total",
    "pushprom_http_connections_refused",
    "pushprom_udp_receive_drops",
    "pushprom_udp_receive_drops_total",
    "pushprom_udp_receive_buffer_bytes",
    "pushprom_udp_receive_buffer_bytes_count"
  };

  /** One family's names, which deltas of random types fight over. */
  private static final String[] SHARED_NAMES = {
    "fuzz_shared",
    "fuzz_shared_total",
    "fuzz_shared_count",
    "fuzz_shared_sum",
    "fuzz_shared_bucket",
    "fuzz_shared_created"
  };

  private static final String[] HELPS = {
    "h",
    "help with a \\n newline",
    "quote \\\" and backslash \\\\",
    "ünïcödé 日本",
    "nul \\u0000 inside",
    "tab\\t",
    "emoji \\ud83d\\ude00"
  };
  private static final String[] LABEL_NAMES = {
    "job",
    "instance",
    "k",
    "le",
    "quantile",
    "__name__",
    "__reserved",
    "1bad",
    "bad-name",
    "",
    "a:b",
    "transport",
    "n",
    "ü"
  };
  private static final String[] LABEL_VALUES = {
    "\"bot\"",
    "\"\"",
    "\"v\"",
    "\"ü\"",
    "\"日本\"",
    "\"\\n\"",
    "\"\\\"\"",
    "\"\\\\\"",
    "\"a\\u0000b\"",
    "\"\\ud83d\\ude00\"",
    "1",
    "1.5e3",
    "-0",
    "true",
    "false",
    "null",
    "{}",
    "[]"
  };
  private static final String[] VALUES = {
    "1",
    "0",
    "-0",
    "0.5",
    "3002",
    "-2",
    "1e3",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "4.9e-324",
    "12345678901234567890",
    "-9223372036854775808",
    "0.1"
  };
  private static final String[] HOSTILE_NUMBERS = {
    "NaN",
    "\"NaN\"",
    "Infinity",
    "-Infinity",
    "+1",
    "01",
    "1.",
    "-",
    ".5",
    "0x10",
    "1e",
    "1e309",
    "-1e309",
    "1e-400",
    "1e99999",
    "-0.0",
    "0e0",
    "1E+2",
    "\"1\"",
    "null",
    "true",
    "[]",
    "{}",
    "1_000",
    "１",
    "9223372036854775808",
    "-1e308",
    "1.7976931348623157e308",
    "1.7976931348623159e308"
  };
  private static final String[] BUCKETS = {
    "[1,2,3]",
    "[1,2]",
    "[0.1,1,10]",
    "[]",
    "[3,2,1]",
    "[1,1]",
    "[\"1\"]",
    "[null]",
    "[1e308,1e309]",
    "[-1,0,1]",
    "[0]",
    "[-0,0]",
    "null",
    "{}",
    "[1,[2]]"
  };
  private static final String[] OBJECTIVES = {
    "{\"0.5\":0.05,\"0.9\":0.01}",
    "{\"0.5\":0.05}",
    "{}",
    "{\"2\":0.1}",
    "{\"0.5\":2}",
    "{\"NaN\":0.1}",
    "{\"0x1p-1\":0.1}",
    "{\" 0.5\":0.1}",
    "{\"0.99\":0.001,\"0.5\":0.05}",
    "{\"-0\":0.1}",
    "{\"0.5\":\"0.1\"}",
    "[]",
    "null"
  };
  private static final byte[][] INVALID_UTF8 = {
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate, as CESU-8 writes it
    {(byte) 0xC0, (byte) 0x80}, // overlong NUL
    {(byte) 0xFF},
    {(byte) 0xFE},
    {(byte) 0x80},
    {(byte) 0xE0, (byte) 0x80, (byte) 0x80},
    {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
    {(byte) 0xE2, (byte) 0x82}, // cut short
    {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
    {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
    {(byte) 0xC1, (byte) 0xBF},
    {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}
  };
  private static final String[] LONE_SURROGATES = {
    "\\ud800", "a\\udfff", "\\ud800\\ud800", "x\\ud83d", "\\udc00\\ud83d", "\\uD800z"
  };
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** Where raw bytes are spliced into a delta's text. */
  private static final String MARK = "\u0001MARK\u0001";

  private final Random random;
  private final Map<Kind, Long> counts = new EnumMap<>(Kind.class);
  private final Map<String, Long> bodies = new TreeMap<>();

  HostileDeltas(Random random) {
    this.random = random;
  }

  /** How many deltas of each kind were made. */
  Map<Kind, Long> counts() {
    return Collections.unmodifiableMap(counts);
  }

  /** How many bodies of each shape were made: ndjson, crlf, array, bom... */
  Map<String, Long> bodies() {
    return Collections.unmodifiableMap(bodies);
  }

  /** One hostile delta of any kind, of about {@code room} bytes at most. */
  byte[] next(int room) {
    Kind[] kinds = Kind.values();
    return make(kinds[random.nextInt(kinds.length)], room);
  }

  /** A body with nothing to read: empty, blank, a byte order mark, a NUL. */
  byte[] emptyBody() {
    count("empty");
    return pick(
        new byte[][] {
          {}, {' '}, {'\r', '\n'}, {'\n', '\n'}, BOM, {0}, {(byte) 0xEF, (byte) 0xBB}, {'\t'}
        });
  }

  /** One hostile delta of a kind that grows with its room, as large as the room allows. */
  byte[] large(int room) {
    return make(LARGE.get(random.nextInt(LARGE.size())), room);
  }

  /**
   * Joins deltas into one body as clients write them, and as they should not: NDJSON with LF or
   * CRLF, a JSON array, values one after the other; some with a byte order mark first.
   */
  byte[] body(List<byte[]> deltas) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (random.nextInt(10) == 0) {
      count("bom");
      body.writeBytes(BOM);
    }
    int shape = random.nextInt(5);
    String separator =
        switch (shape) {
          case 0 -> "\n";
          case 1 -> "\r\n";
          case 2 -> ",";
          case 3 -> ",\r\n ";
          default -> " ";
        };
    count(shape == 0 ? "ndjson" : shape == 1 ? "ndjson-crlf" : shape == 4 ? "spaced" : "array");
    if (shape == 2 || shape == 3) {
      body.write('[');
    }
    for (int i = 0; i < deltas.size(); i++) {
      if (i > 0) {
        body.writeBytes(separator.getBytes(StandardCharsets.US_ASCII));
      }
      body.writeBytes(deltas.get(i));
    }
    if (shape == 2 || shape == 3) {
      body.write(']');
    }
    if (random.nextBoolean()) {
      body.writeBytes((shape == 1 ? "\r\n" : "\n").getBytes(StandardCharsets.US_ASCII));
    }
    if (deltas.isEmpty() || body.size() == 0) {
      count("empty");
    }
    return body.toByteArray();
  }

  private void count(String shape) {
    bodies.merge(shape, 1L, Long::sum);
  }

  private byte[] make(Kind kind, int room) {
    counts.merge(kind, 1L, Long::sum);
    return switch (kind) {
      case RANDOM_DELTA -> utf8(template());
      case BYTE_FLIP -> flipBytes(utf8(template()));
      case TRUNCATION -> {
        byte[] whole = utf8(template());
        yield Arrays.copyOf(whole, random.nextInt(whole.length));
      }
      case DUPLICATE_FIELD -> utf8(duplicateField(template()));
      case DELETED_QUOTES_OR_BRACES -> utf8(deleteStructure(template()));
      case TYPE_METHOD_SWAP -> utf8(swapTypeOrMethod());
      case HOSTILE_NUMBER -> utf8(hostileNumber());
      case LONG_NUMBER -> utf8(longNumber(room));
      case LONE_SURROGATE -> utf8(inSomeString(pick(LONE_SURROGATES)));
      case INVALID_UTF8 ->
          splice(inSomeString(MARK), INVALID_UTF8[random.nextInt(INVALID_UTF8.length)]);
      case OVERLONG_NAME -> utf8(overlongName(room));
      case HUGE_HELP ->
          utf8(
              delta(
                  "gauge",
                  "fuzz_helped",
                  "set",
                  "1",
                  null,
                  repeat('h', Math.min(1 << 20, room - 120))));
      case MANY_LABELS -> utf8(manyLabels(room));
      case HUGE_LABEL_VALUE -> utf8(hugeLabelValue(room));
      case MANY_BUCKETS -> utf8(manyBuckets(room));
      case DEEP_NESTING -> utf8(deepNesting(room));
      case SELF_METRIC_NAME -> utf8(template(random.nextInt(4), pick(SELF_NAMES)));
      case TYPE_CONFLICT -> utf8(validOfType(random.nextInt(4), pick(SHARED_NAMES)));
      case BUCKET_CONFLICT ->
          utf8(
              "{\"type\":\"histogram\",\"name\":\"fuzz_conflicting_seconds\",\"method\":\"observe\","
                  + "\"value\":0.3,\"buckets\":"
                  + pick(BUCKETS)
                  + "}");
      case NUL_BYTES -> nulBytes(utf8(template()));
      case NOT_AN_OBJECT ->
          utf8(
              pick(
                  new String[] {
                    "1",
                    "\"str\"",
                    "null",
                    "true",
                    "[]",
                    "[1,2]",
                    "{}",
                    "{\"a\":1}",
                    "nul",
                    "tru",
                    "\"\\ud800\"",
                    "}",
                    "]",
                    "{]",
                    "[}",
                    ":",
                    ",",
                    "\"unterminated"
                  }));
      case ARRAY_OF_ARRAYS ->
          utf8("[[" + template() + "],[" + template() + ",[" + template() + "]]]");
      case RANDOM_BYTES -> randomBytes(1 + random.nextInt(Math.min(room, 300)));
      case EMPTY -> utf8(pick(new String[] {"", " ", "\n", "\r\n", "\t\r\n ", "\n\n\n"}));
      case TOO_MANY_DELTAS -> utf8("{}\n".repeat(Math.max(1, Math.min(150_000, room / 3))));
      case BOM_INSIDE -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(BOM);
        out.writeBytes(utf8(template()));
        yield out.toByteArray();
      }
    };
  }

  /** A plausible delta: often valid, often not, never named {@code fuzz_valid}. */
  private String template() {
    return template(random.nextInt(4), pick(NAMES));
  }

  private String template(int type, String name) {
    List<String> fields = new ArrayList<>();
    fields.add("\"type\":\"" + TYPES[type] + "\"");
    fields.add("\"name\":\"" + name + "\"");
    if (random.nextBoolean()) {
      fields.add("\"help\":\"" + pick(HELPS) + "\"");
    }
    fields.add("\"method\":\"" + pick(METHODS[type]) + "\"");
    if (random.nextInt(10) < 8) {
      fields.add("\"value\":" + pick(VALUES));
    }
    if (random.nextInt(10) < 6) {
      fields.add("\"labels\":" + labels());
    }
    if (type == 2 && random.nextBoolean()) {
      fields.add("\"buckets\":" + pick(BUCKETS));
    }
    if (type == 3 && random.nextBoolean()) {
      fields.add("\"objectives\":" + pick(OBJECTIVES));
    }
    Collections.shuffle(fields, random);
    return "{" + String.join(",", fields) + "}";
  }

  /** A delta that is valid on its own, so that only its name's history can refuse it. */
  private String validOfType(int type, String name) {
    String method = pick(METHODS[type]);
    return "{\"type\":\""
        + TYPES[type]
        + "\",\"name\":\""
        + name
        + "\",\"method\":\""
        + method
        + "\",\"value\":"
        + (1 + random.nextInt(5))
        + ",\"labels\":{\"k\":\"v"
        + random.nextInt(3)
        + "\"}}";
  }

  private String labels() {
    int count = random.nextInt(5);
    List<String> pairs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      pairs.add("\"" + pick(LABEL_NAMES) + "\":" + pick(LABEL_VALUES));
    }
    return "{" + String.join(",", pairs) + "}";
  }

  private static String delta(
      String type, String name, String method, String value, String labels, String help) {
    return "{\"type\":\""
        + type
        + "\",\"name\":\""
        + name
        + "\",\"method\":\""
        + method
        + "\""
        + (value == null ? "" : ",\"value\":" + value)
        + (labels == null ? "" : ",\"labels\":" + labels)
        + (help == null ? "" : ",\"help\":\"" + help + "\"")
        + "}";
  }

  private byte[] flipBytes(byte[] bytes) {
    int flips = 1 + random.nextInt(4);
    for (int i = 0; i < flips && bytes.length > 0; i++) {
      int at = random.nextInt(bytes.length);
      bytes[at] =
          random.nextBoolean()
              ? (byte) (bytes[at] ^ (1 << random.nextInt(8)))
              : (byte) random.nextInt(256);
    }
    return bytes;
  }

  private String duplicateField(String delta) {
    String field =
        switch (random.nextInt(7)) {
          case 0 -> "\"type\":\"" + pick(TYPES) + "\"";
          case 1 -> "\"name\":\"" + pick(NAMES) + "\"";
          case 2 -> "\"method\":\"" + pick(ALL_METHODS) + "\"";
          case 3 -> "\"value\":" + pick(HOSTILE_NUMBERS);
          case 4 -> "\"labels\":{\"a\":\"1\",\"a\":\"2\",\"b\":\"3\",\"a\":\"4\"}";
          case 5 -> "\"buckets\":" + pick(BUCKETS);
          default -> "\"help\":\"" + pick(HELPS) + "\"";
        };
    // Before the others, so that they win, or after, so that it wins.
    return random.nextBoolean()
        ? "{" + field + "," + delta.substring(1)
        : delta.substring(0, delta.length() - 1) + "," + field + "}";
  }

  private String deleteStructure(String delta) {
    StringBuilder text = new StringBuilder(delta);
    int deletions = 1 + random.nextInt(3);
    for (int i = 0; i < deletions; i++) {
      List<Integer> candidates = new ArrayList<>();
      for (int at = 0; at < text.length(); at++) {
        if ("\"{}[]:,".indexOf(text.charAt(at)) >= 0) {
          candidates.add(at);
        }
      }
      if (candidates.isEmpty()) {
        break;
      }
      text.deleteCharAt(candidates.get(random.nextInt(candidates.size())));
    }
    return text.toString();
  }

  private String swapTypeOrMethod() {
    int type = random.nextInt(4);
    String name = pick(NAMES);
    return switch (random.nextInt(4)) {
        // A method of another type.
      case 0 -> delta(TYPES[type], name, pick(ALL_METHODS), pick(VALUES), null, null);
      case 1 -> delta(pick(BAD_TYPES), name, pick(METHODS[type]), "1", null, null);
      case 2 -> delta(TYPES[type], name, pick(BAD_METHODS), "1", null, null);
      default ->
          "{\"type\":"
              + pick(new String[] {"1", "null", "true", "[\"counter\"]", "{\"a\":\"b\"}"})
              + ",\"name\":\""
              + name
              + "\",\"method\":"
              + pick(new String[] {"1", "null", "false", "[\"inc\"]", "{}"})
              + "}";
    };
  }

  private String hostileNumber() {
    int type = random.nextInt(4);
    String number = pick(HOSTILE_NUMBERS);
    return switch (random.nextInt(4)) {
      case 0 -> delta(TYPES[type], pick(NAMES), pick(METHODS[type]), number, null, null);
      case 1 ->
          "{\"type\":\"histogram\",\"name\":\"fuzz_latency_seconds\",\"method\":\"observe\","
              + "\"value\":1,\"buckets\":[0.1,"
              + number
              + "]}";
      case 2 ->
          "{\"type\":\"summary\",\"name\":\"fuzz_sizes\",\"method\":\"observe\",\"value\":"
              + number
              + ",\"objectives\":{\"0.5\":"
              + number
              + "}}";
      default -> delta("gauge", "fuzz_temperature", "set", number, "{\"n\":" + number + "}", null);
    };
  }

  private String longNumber(int room) {
    int digits = Math.max(1, Math.min(room - 120, 900 + random.nextInt(1200)));
    String number =
        switch (random.nextInt(4)) {
          case 0 -> digits(digits);
          case 1 -> "-" + digits(digits);
          case 2 -> "0." + digits(digits);
          default -> "1e" + digits(Math.min(digits, 12));
        };
    return switch (random.nextInt(4)) {
      case 0 -> delta("gauge", "fuzz_temperature", "set", number, null, null);
      case 1 ->
          "{\"type\":\"histogram\",\"name\":\"fuzz_long_seconds\",\"method\":\"observe\","
              + "\"value\":1,\"buckets\":["
              + number
              + "]}";
      case 2 -> delta("gauge", "fuzz_temperature", "set", "1", "{\"n\":" + number + "}", null);
      default ->
          "{\"type\":\"summary\",\"name\":\"fuzz_sizes\",\"method\":\"observe\",\"value\":1,"
              + "\"objectives\":{\"0."
              + digits(digits)
              + "\":0.01}}";
    };
  }

  private String digits(int count) {
    StringBuilder digits = new StringBuilder(count);
    digits.append((char) ('1' + random.nextInt(9)));
    for (int i = 1; i < count; i++) {
      digits.append((char) ('0' + random.nextInt(10)));
    }
    return digits.toString();
  }

  /** A delta with {@code text} inside one of its strings, or a field name. */
  private String inSomeString(String text) {
    return switch (random.nextInt(7)) {
      case 0 -> delta("gauge", "fuzz_temperature", "set", "1", null, "help " + text);
      case 1 -> delta("gauge", "fuzz_temperature", "set", "1", "{\"k\":\"" + text + "\"}", null);
      case 2 -> delta("gauge", "fuzz_temperature", "set", "1", "{\"" + text + "\":\"v\"}", null);
      case 3 -> delta("gauge", "fuzz_" + text, "set", "1", null, null);
      case 4 -> delta("counter" + text, "gophers", "inc", null, null, null);
      case 5 ->
          "{\"type\":\"summary\",\"name\":\"fuzz_sizes\",\"method\":\"observe\",\"value\":1,"
              + "\"objectives\":{\"0.5"
              + text
              + "\":0.01}}";
      default ->
          "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\",\"" + text + "\":1}";
    };
  }

  private String overlongName(int room) {
    int length =
        Math.max(
            1, Math.min(room - 120, pick(new Integer[] {257, 1_000, 10_000, 100_000, 255, 256})));
    String name = repeat('n', length);
    return switch (random.nextInt(4)) {
      case 0 -> delta("counter", name, "inc", null, null, null);
      case 1 -> delta("gauge", "fuzz_temperature", "set", "1", "{\"" + name + "\":\"v\"}", null);
      case 2 -> delta(name, "gophers", "inc", null, null, null);
      default -> delta("counter", "gophers", name, null, null, null);
    };
  }

  private String manyLabels(int room) {
    int count = Math.max(1, Math.min(10_000, (room - 120) / 16));
    StringBuilder labels = new StringBuilder("{");
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        labels.append(',');
      }
      labels.append("\"l").append(i).append("\":\"v\"");
    }
    return delta("counter", "fuzz_labelled", "inc", null, labels.append('}').toString(), null);
  }

  private String hugeLabelValue(int room) {
    int length = Math.max(1, Math.min(1 << 20, room - 120));
    String value = random.nextBoolean() ? repeat('x', length) : repeat('é', length / 2);
    return delta("gauge", "fuzz_temperature", "set", "1", "{\"k\":\"" + value + "\"}", null);
  }

  private String manyBuckets(int room) {
    int count = Math.max(1, Math.min(100_000, (room - 150) / 7));
    StringBuilder buckets = new StringBuilder("[");
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        buckets.append(',');
      }
      buckets.append(i);
    }
    return "{\"type\":\"histogram\",\"name\":\"fuzz_bucketed\",\"method\":\"observe\","
        + "\"value\":1,\"buckets\":"
        + buckets.append(']')
        + "}";
  }

  private String deepNesting(int room) {
    int depth = Math.max(1, Math.min(5_000, (room - 120) / 8));
    return switch (random.nextInt(4)) {
      case 0 -> repeat('[', depth) + repeat(']', depth);
      case 1 ->
          "{\"type\":\"counter\",\"name\":\"gophers\",\"method\":\"inc\",\"x\":"
              + repeat('[', depth)
              + repeat(']', depth)
              + "}";
      case 2 ->
          delta(
              "gauge",
              "fuzz_temperature",
              "set",
              "1",
              "{\"k\":" + "{\"a\":".repeat(depth) + "1" + repeat('}', depth + 1),
              null);
      default -> "{\"a\":".repeat(depth);
    };
  }

  private byte[] nulBytes(byte[] delta) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = random.nextInt(delta.length + 1);
    out.write(delta, 0, at);
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      out.write(0);
    }
    out.write(delta, at, delta.length - at);
    return out.toByteArray();
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  /** {@code text} in UTF-8 with {@code raw} in place of {@link #MARK}. */
  private static byte[] splice(String text, byte[] raw) {
    int at = text.indexOf(MARK);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(utf8(text.substring(0, at)));
    out.writeBytes(raw);
    out.writeBytes(utf8(text.substring(at + MARK.length())));
    return out.toByteArray();
  }

  private <T> T pick(T[] choices) {
    return choices[random.nextInt(choices.length)];
  }

  private static String repeat(char c, int count) {
    return String.valueOf(c).repeat(Math.max(0, count));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
