package io.pushprom.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads deltas from a body with Jackson's streaming parser. A body is a sequence of JSON values,
 * each an object (one delta) or an array of objects, separated by white space: so one delta, a JSON
 * array and newline-delimited JSON are all read the same way. After malformed JSON, reading goes on
 * at the next line, so one bad line of NDJSON loses only itself.
 */
final class DeltaParser {
  // Field names are not interned: String.intern made a body of a million distinct names take
  // ten times as long (1.5 s against 0.15 s for 16 MiB); they are still canonicalized per body.
  private static final JsonFactory JSON =
      JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
  // values() copies its array at each call; these are read for every delta.
  private static final MetricType[] TYPES = MetricType.values();

  /** A quantile as the key of an objectives object: a JSON number, as text. */
  static final Pattern QUANTILE =
      Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

  private static final Method[] METHODS = Method.values();

  private DeltaParser() {}

  /**
   * The deltas of one body, by index; an index that was rejected holds no delta. Each index also
   * has the bytes it was read from, so that a rejected delta can be shown as it was sent.
   */
  static final class Batch {
    // Most bodies, every PHP client's, hold one delta.
    private final List<Delta> deltas = new ArrayList<>(2);
    private final List<Rejection> rejections = new ArrayList<>();

    /** Where each index's bytes start and end in the body's array, two ints an index. */
    private int[] spans = new int[4];

    /** Where the value being read began: what a malformed one is shown from. */
    private int valueStart;

    /** Set once the body holds more deltas than the limit: the rest is not read. */
    private boolean full;

    int size() {
      return deltas.size();
    }

    /** Whether the batch holds {@code max} deltas already, so that no more may be read. */
    private boolean fullAt(int max) {
      full = deltas.size() >= max;
      return full;
    }

    /** The delta at {@code index}, or {@code null} if it was rejected. */
    Delta delta(int index) {
      return deltas.get(index);
    }

    List<Rejection> rejections() {
      return rejections;
    }

    /** Where the bytes of the delta at {@code index} start in the body's array. */
    int start(int index) {
      return spans[2 * index];
    }

    /** Where the bytes of the delta at {@code index} end in the body's array, exclusive. */
    int end(int index) {
      return spans[2 * index + 1];
    }

    void add(Delta delta, int start, int end) {
      span(start, end);
      deltas.add(delta);
    }

    void reject(Reason reason, String message, int start, int end) {
      span(start, end);
      rejections.add(new Rejection(deltas.size(), reason, message));
      deltas.add(null);
    }

    private void span(int start, int end) {
      int at = 2 * deltas.size();
      if (at == spans.length) {
        spans = Arrays.copyOf(spans, 2 * spans.length);
      }
      spans[at] = start;
      spans[at + 1] = Math.max(start, end);
    }
  }

  static Batch parse(byte[] bytes, int offset, int length, Limits limits) {
    int end = offset + length;
    try {
      // The plain reader takes only ASCII, and looks at every byte.
      Batch plain = PlainDeltaReader.read(bytes, offset, end, limits);
      if (plain != null) {
        return plain;
      }
      // Most bodies are ASCII: then no string needs its bytes checked.
      return parseWithJackson(bytes, offset, end, Unicode.hasNonAscii(bytes, offset, end), limits);
    } finally {
      Fields.release();
    }
  }

  /**
   * As {@link #parse}, every byte through Jackson: what {@link PlainDeltaReader} leaves to it, and
   * what tests hold that reader to.
   */
  static Batch parseWithJackson(
      byte[] bytes, int offset, int end, boolean checkBytes, Limits limits) {
    Batch batch = new Batch();
    int position = offset;
    int line = 1;
    while (position < end && !batch.full) {
      int start = position;
      position = end;
      batch.valueStart = start;
      try (JsonParser parser = JSON.createParser(bytes, start, end - start)) {
        try {
          readValues(parser, batch, new Source(bytes, start, offset, end, checkBytes, limits));
        } catch (JsonProcessingException e) {
          // A StreamConstraintsException (too deep, too long a number or string) has no location;
          // the parser still knows where it stopped.
          JsonLocation location =
              e.getLocation() != null ? e.getLocation() : parser.currentLocation();
          // The parser counts lines from 1 at start; messages count them from the body's start.
          int errorLine = Math.max(1, location.getLineNr());
          String message = describe(e, line + errorLine - 1, location);
          // An object cut short (a truncated NDJSON line) is only noticed on the next line: if
          // that line starts a new value, the bad object ended before it, so read on from there.
          int objectLine = objectStartLine(parser);
          int resumeLine =
              objectLine > 0 && objectLine < errorLine && startsValue(bytes, start, end, errorLine)
                  ? errorLine
                  : errorLine + 1;
          position = startOfLine(bytes, start, end, resumeLine);
          line += resumeLine - 1;
          // Lines that start no value are the rest of the broken one (a pretty-printed object):
          // they are part of this rejection, not each one of their own.
          while (position < end && !startsValueAt(bytes, position, end)) {
            int newline = indexOf(bytes, (byte) '\n', position, end);
            position = newline < 0 ? end : newline + 1;
            line++;
          }
          // Shown from the value it broke to where reading goes on.
          batch.reject(Reason.MALFORMED, message, batch.valueStart, position);
        }
      } catch (IOException | IllegalStateException e) {
        // Not JSON at all: Jackson took the leading bytes for UTF-16 or UTF-32 and could not
        // decode them; or its symbol table refused a flood of field names that share a hash
        // (IllegalStateException). No line to resume at can be trusted, so the rest goes too.
        batch.reject(
            Reason.MALFORMED, "malformed JSON: " + firstLine(e.getMessage()), position, end);
        position = end;
      }
    }
    if (batch.full) {
      batch.reject(Reason.INVALID, limits.deltaCount(), offset, end);
    }
    if (batch.size() == 0) {
      batch.reject(
          Reason.MALFORMED,
          "empty body: expected a delta, a JSON array of deltas or one delta per line",
          offset,
          end);
    }
    return batch;
  }

  /**
   * What a chunk's strings are read from and checked against.
   *
   * @param start where the parser's byte offsets count from
   * @param offset where the body starts, which messages count from
   * @param end where the chunk ends
   * @param checkBytes whether the body has non-ASCII bytes, so kept strings need their UTF-8
   *     checked
   */
  record Source(byte[] bytes, int start, int offset, int end, boolean checkBytes, Limits limits) {}

  private static void readValues(JsonParser parser, Batch batch, Source source) throws IOException {
    int max = source.limits().maxDeltasPerBody();
    for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
      if (token == JsonToken.START_ARRAY) {
        for (token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
          if (batch.fullAt(max)) {
            return;
          }
          readDelta(parser, token, batch, source);
        }
      } else {
        if (batch.fullAt(max)) {
          return;
        }
        readDelta(parser, token, batch, source);
      }
    }
  }

  private static void readDelta(JsonParser parser, JsonToken start, Batch batch, Source source)
      throws IOException {
    int from = tokenStart(parser, source);
    batch.valueStart = from;
    if (start != JsonToken.START_OBJECT) {
      parser.skipChildren();
      // A string is read lazily: a truncated one is malformed, not one more rejected delta.
      parser.finishToken();
      batch.reject(
          Reason.MALFORMED,
          "delta: expected a JSON object, got " + describe(start),
          from,
          parser instanceof UTF8StreamJsonParser
              ? source.start() + (int) parser.currentLocation().getByteOffset()
              : source.end());
      return;
    }
    Fields fields = Fields.of(source);
    for (JsonToken token = parser.nextToken();
        token == JsonToken.FIELD_NAME;
        token = parser.nextToken()) {
      String field = parser.currentName();
      fields.read(field, parser, parser.nextToken());
    }
    // Past the closing brace.
    int to = parser instanceof UTF8StreamJsonParser ? tokenStart(parser, source) + 1 : source.end();
    try {
      batch.add(fields.toDelta(), from, to);
    } catch (InvalidDeltaException e) {
      batch.reject(e.reason(), e.getMessage(), from, to);
    }
    // What breaks after this delta is shown from its end.
    batch.valueStart = to;
  }

  /**
   * Where the current token starts in the body's array. {@link UTF8StreamJsonParser} keeps it in a
   * field, one past the token's first byte (its {@code currentTokenLocation()} takes the one off),
   * where {@code currentTokenLocation()} would make an object per delta; RecentRejectionsTest holds
   * the two to the same bytes. A body that Jackson took for UTF-16 or UTF-32 counts characters, not
   * bytes, so its deltas are shown whole.
   */
  private static int tokenStart(JsonParser parser, Source source) {
    return parser instanceof UTF8StreamJsonParser utf8
        ? source.start() + (int) utf8.getTokenCharacterOffset() - 1
        : source.start();
  }

  /**
   * The fields of one delta as read, before they are checked. One per thread, cleared for each
   * delta, as a delta is read to its end before the next one starts: a delta is read without making
   * one.
   */
  static final class Fields {
    private static final ThreadLocal<Fields> FIELDS = ThreadLocal.withInitial(Fields::new);

    /** Label arrays that grew past this, for a delta of many labels, are not kept for the next. */
    private static final int KEPT_LABELS = 64;

    MetricType type;

    /** The type as written, when it names no type. */
    String unknownType;

    String name;
    String help;
    Method method;

    /** The method as written, when it names no method. */
    String unknownMethod;

    double value = Double.NaN;
    Labels labels;
    List<Double> buckets;
    SortedMap<Double, Double> objectives;

    /** The first problem found while reading, which makes the delta invalid. */
    String problem;

    private final TextCache texts = TextCache.ofThisThread();
    private Source source;
    private Limits limits;

    /** Where labels are read into, to be copied at their size once read. */
    private String[] labelNames = new String[4];

    private String[] labelValues = new String[4];

    /** How many labels {@link #labelNames} holds, and how many the labels object had. */
    private int labelSize;

    private int labelCount;

    private Fields() {}

    /** This thread's fields, cleared, to read a delta of {@code source}. */
    static Fields of(Source source) {
      Fields fields = FIELDS.get();
      fields.source = source;
      fields.limits = source.limits();
      return fields.clear();
    }

    /**
     * Lets go of this thread's last body: kept here, it would outlive its request, and each of up
     * to 2,000 workers would hold the largest body it had read (sixteen 16 MiB bodies filled a 256
     * MiB heap so).
     */
    static void release() {
      Fields fields = FIELDS.get();
      fields.source = null;
      fields.clear();
    }

    /** These fields, cleared to read the next delta of the same source. */
    Fields clear() {
      type = null;
      unknownType = null;
      name = null;
      help = null;
      method = null;
      unknownMethod = null;
      value = Double.NaN;
      labels = null;
      buckets = null;
      objectives = null;
      problem = null;
      return this;
    }

    void read(String field, JsonParser parser, JsonToken token) throws IOException {
      switch (field) {
        case "type" -> {
          String plain = plainText(parser, token);
          if (plain != null) {
            type(plain);
            return;
          }
          type = token == JsonToken.VALUE_STRING ? match(parser, TYPES) : null;
          unknownType = type != null ? null : string(field, parser, token);
        }
        case "name" -> {
          String plain = plainText(parser, token);
          if (plain != null && name(plain)) {
            return;
          }
          String tooLong =
              token == JsonToken.VALUE_STRING ? limits.metricName(parser.getTextLength()) : null;
          if (tooLong == null) {
            name = string(field, parser, token);
          } else {
            problem(tooLong);
            // Only as much as the message shows is copied.
            name =
                Delta.abbreviate(
                    new String(
                        parser.getTextCharacters(),
                        parser.getTextOffset(),
                        Math.min(parser.getTextLength(), 65)));
          }
        }
        case "help" -> {
          String plain = plainText(parser, token);
          if (plain != null && help(plain)) {
            return;
          }
          String tooLong =
              token == JsonToken.VALUE_STRING ? limits.help(parser.getTextLength()) : null;
          if (tooLong == null) {
            help = string(field, parser, token);
            checkBytes(parser, token, null);
          } else {
            problem(tooLong);
          }
        }
        case "method" -> {
          String plain = plainText(parser, token);
          if (plain != null) {
            method(plain);
            return;
          }
          method = token == JsonToken.VALUE_STRING ? match(parser, METHODS) : null;
          unknownMethod = method != null ? null : string(field, parser, token);
        }
        case "value" -> value = number(field, parser, token);
        case "labels" -> labels(parser, token);
        case "buckets" -> buckets = buckets(parser, token);
        case "objectives" -> objectives = objectives(parser, token);
        default -> parser.skipChildren();
      }
    }

    /** Takes the type as a plain string (ASCII, no escapes), known or not. */
    void type(String plain) {
      type = MetricType.fromJson(plain);
      unknownType = type == null ? plain : null;
    }

    /** Takes the method as a plain string, known or not. */
    void method(String plain) {
      method = Method.fromJson(plain);
      unknownMethod = method == null ? plain : null;
    }

    /**
     * Takes the name as a plain string if it is within the limit; if not, takes nothing and returns
     * {@code false}, for the JSON parser to read it and tell why.
     */
    boolean name(String plain) {
      if (limits.metricName(plain.length()) != null) {
        return false;
      }
      name = plain;
      return true;
    }

    /** As {@link #name}, for the help text; ASCII, so it has no bytes to check. */
    boolean help(String plain) {
      if (limits.help(plain.length()) != null) {
        return false;
      }
      help = plain;
      return true;
    }

    void value(double number) {
      value = number;
    }

    /**
     * Starts reading a labels object: each label is then {@link #plainLabel taken} or read by
     * {@link #labels}, and {@link #endLabels} makes them the delta's.
     */
    void startLabels() {
      labelSize = 0;
      labelCount = 0;
    }

    /**
     * Takes a label whose name and value are plain strings, within the limits; if it is not, takes
     * nothing and returns {@code false}, for the JSON parser to read the delta and tell why.
     */
    boolean plainLabel(String label, String plain) {
      if (++labelCount > limits.maxLabels()
          || limits.labelName(label) != null
          || limits.labelValue(label, plain.length()) != null) {
        return false;
      }
      keepLabel(label, plain);
      return true;
    }

    private void keepLabel(String label, String value) {
      if (labelSize == labelNames.length) {
        labelNames = Arrays.copyOf(labelNames, 2 * labelSize);
        labelValues = Arrays.copyOf(labelValues, 2 * labelSize);
      }
      labelNames[labelSize] = label;
      labelValues[labelSize] = value;
      labelSize++;
    }

    /** The labels read since {@link #startLabels}, or {@code null} if the delta is invalid. */
    void endLabels() {
      String tooMany = limits.labelCount(labelCount);
      if (tooMany != null) {
        // The first problem wins, but too many labels is the one to tell.
        problem = tooMany;
      }
      String[] names = labelNames;
      String[] values = labelValues;
      labels =
          problem != null
              ? null
              : labelSize == 0
                  ? Labels.EMPTY
                  : Labels.sorted(
                      Arrays.copyOf(names, labelSize), Arrays.copyOf(values, labelSize), labelSize);
      if (names.length > KEPT_LABELS) {
        labelNames = new String[4];
        labelValues = new String[4];
      } else {
        // Not to hold this delta's strings until the next delta of as many labels.
        Arrays.fill(names, 0, labelSize, null);
        Arrays.fill(values, 0, labelSize, null);
      }
    }

    private String subject() {
      return (type == null ? "" : type + " ") + (name == null ? "delta" : Delta.abbreviate(name));
    }

    Delta toDelta() {
      if (problem != null) {
        throw InvalidDeltaException.quiet(Reason.INVALID, subject() + ": " + problem);
      }
      if (unknownType != null) {
        throw InvalidDeltaException.quiet(
            Reason.INVALID,
            subject()
                + ": unknown type \""
                + Delta.abbreviate(unknownType)
                + "\", expected counter, gauge, histogram or summary");
      }
      if (unknownMethod != null && type != null) {
        throw InvalidDeltaException.quiet(
            Reason.INVALID,
            subject()
                + ": unknown method \""
                + Delta.abbreviate(unknownMethod)
                + "\", expected "
                + Method.describeAllowed(type));
      }
      return new Delta(type, name, help, method, value, labels, buckets, objectives);
    }

    /**
     * The current token's text if it is a short plain string, read from the body's bytes by {@link
     * TextCache#plain}: the usual name, help text, label value, type and method. Otherwise {@code
     * null}, and Jackson reads it, escapes, non-ASCII, limits and all; it skips a string read here.
     */
    private String plainText(JsonParser parser, JsonToken token) {
      return token == JsonToken.VALUE_STRING && parser instanceof UTF8StreamJsonParser
          ? texts.plain(source.bytes(), tokenStart(parser, source) + 1, source.end())
          : null;
    }

    /**
     * The constant whose JSON name is the current string, or {@code null}. Compares the parser's
     * characters in place: the type and method of every delta are read without making a string.
     */
    private static <E extends Enum<E>> E match(JsonParser parser, E[] constants)
        throws IOException {
      char[] text = parser.getTextCharacters();
      int offset = parser.getTextOffset();
      int length = parser.getTextLength();
      for (E constant : constants) {
        String candidate = constant.toString();
        if (candidate.length() == length && equal(candidate, text, offset)) {
          return constant;
        }
      }
      return null;
    }

    private static boolean equal(String candidate, char[] text, int offset) {
      for (int i = 0; i < candidate.length(); i++) {
        if (candidate.charAt(i) != text[offset + i]) {
          return false;
        }
      }
      return true;
    }

    private String string(String field, JsonParser parser, JsonToken token) throws IOException {
      if (token == JsonToken.VALUE_STRING) {
        return cachedText(parser);
      }
      if (token != JsonToken.VALUE_NULL) {
        problem(field + " must be a string, got " + describe(token));
        parser.skipChildren();
      }
      return null;
    }

    /** The current token's text, from the thread's cache when it was read before. */
    private String cachedText(JsonParser parser) throws IOException {
      return texts.get(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
    }

    private double number(String field, JsonParser parser, JsonToken token) throws IOException {
      if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
        return parser.getDoubleValue();
      }
      if (token != JsonToken.VALUE_NULL) {
        problem(field + " must be a number, got " + describe(token) + text(parser, token));
        parser.skipChildren();
      }
      return Double.NaN;
    }

    private void labels(JsonParser parser, JsonToken token) throws IOException {
      if (token != JsonToken.START_OBJECT) {
        if (token != JsonToken.VALUE_NULL) {
          problem("labels must be an object, got " + describe(token));
          parser.skipChildren();
        }
        labels = null;
        return;
      }
      startLabels();
      for (token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        String label = parser.currentName();
        token = parser.nextToken();
        if (++labelCount > limits.maxLabels() || problem != null) {
          // Past the limit, or already invalid: read on to count, keeping nothing.
          parser.skipChildren();
          continue;
        }
        switch (token) {
          case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> {
            String plain = plainText(parser, token);
            String tooLong = limits.labelName(label);
            if (tooLong == null) {
              tooLong =
                  limits.labelValue(label, plain != null ? plain.length() : parser.getTextLength());
            }
            if (tooLong != null) {
              problem(tooLong);
              continue;
            }
            keepLabel(label, plain != null ? plain : cachedText(parser));
            if (plain == null) {
              checkBytes(parser, token, label);
            }
          }
          default -> {
            problem(
                "label " + label + " must be a string, number or boolean, got " + describe(token));
            parser.skipChildren();
          }
        }
      }
      endLabels();
    }

    /**
     * Checks the UTF-8 of the string just read, which Jackson decodes however it is formed, if the
     * body has any non-ASCII byte.
     *
     * @param label the label whose value it is, or {@code null} for the help text: the message is
     *     made from it only for a bad byte, not for every label read
     */
    private void checkBytes(JsonParser parser, JsonToken token, String label) {
      if (!source.checkBytes() || token != JsonToken.VALUE_STRING) {
        return;
      }
      // Offsets count from the chunk's start, the opening quote to past the closing one.
      int from = source.start() + (int) parser.currentTokenLocation().getByteOffset() + 1;
      int to = source.start() + (int) parser.currentLocation().getByteOffset() - 1;
      int bad = Unicode.invalidUtf8(source.bytes(), from, to);
      if (bad >= 0) {
        problem(
            String.format(
                "%s: byte 0x%02x at offset %d of the body starts no well-formed UTF-8 sequence"
                    + " (overlong, surrogate, past U+10FFFF or cut short)",
                label == null ? "help text" : "label " + label + " value",
                source.bytes()[bad] & 0xFF,
                bad - source.offset()));
      }
    }

    private List<Double> buckets(JsonParser parser, JsonToken token) throws IOException {
      if (token != JsonToken.START_ARRAY) {
        if (token != JsonToken.VALUE_NULL) {
          problem("buckets must be an array of numbers, got " + describe(token));
          parser.skipChildren();
        }
        return null;
      }
      List<Double> read = new ArrayList<>();
      int count = 0;
      for (token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
        if (++count > limits.maxBuckets()) {
          parser.skipChildren(); // counted, not kept
        } else {
          read.add(number("buckets[" + read.size() + "]", parser, token));
        }
      }
      String tooMany = limits.bucketCount(count);
      if (tooMany != null) {
        problem = tooMany;
        return null;
      }
      return read;
    }

    private SortedMap<Double, Double> objectives(JsonParser parser, JsonToken token)
        throws IOException {
      if (token != JsonToken.START_OBJECT) {
        if (token != JsonToken.VALUE_NULL) {
          problem("objectives must be an object of quantile to error, got " + describe(token));
          parser.skipChildren();
        }
        return null;
      }
      SortedMap<Double, Double> read = new TreeMap<>();
      int count = 0;
      for (token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        String quantile = parser.currentName();
        if (++count > limits.maxObjectives()) {
          parser.nextToken();
          parser.skipChildren(); // counted, not kept
          continue;
        }
        double error =
            number("objective " + Delta.abbreviate(quantile), parser, parser.nextToken());
        // Java would also read " 0.5f " or "0x1p-1"; a quantile is written as a JSON number.
        if (QUANTILE.matcher(quantile).matches()) {
          read.put(Double.valueOf(quantile), error);
        } else {
          problem("objective quantile \"" + Delta.abbreviate(quantile) + "\" is not a number");
        }
      }
      String tooMany = limits.objectiveCount(count);
      if (tooMany != null) {
        problem = tooMany;
        return null;
      }
      return read;
    }

    private void problem(String description) {
      if (problem == null) {
        problem = description;
      }
    }
  }

  private static String text(JsonParser parser, JsonToken token) throws IOException {
    return token == JsonToken.VALUE_STRING ? " \"" + Delta.abbreviate(parser.getText()) + "\"" : "";
  }

  static String describe(JsonToken token) {
    return switch (token) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> token.asString();
    };
  }

  private static String describe(JsonProcessingException e, int line, JsonLocation location) {
    return "malformed JSON at line "
        + line
        + ", column "
        + location.getColumnNr()
        + ": "
        + firstLine(e.getOriginalMessage());
  }

  static String firstLine(String message) {
    return message == null ? "no detail" : message.lines().findFirst().orElse("no detail");
  }

  /**
   * The line where the top-level value being read began if it is an object (so no delta of it was
   * read), or {@code 0}.
   */
  private static int objectStartLine(JsonParser parser) {
    JsonStreamContext context = parser.getParsingContext();
    if (context == null || context.inRoot()) {
      return 0;
    }
    while (!context.getParent().inRoot()) {
      context = context.getParent();
    }
    if (!context.inObject()) {
      return 0;
    }
    JsonLocation start = context.startLocation(ContentReference.unknown());
    return start == null ? 0 : start.getLineNr();
  }

  /** Whether line {@code lineNumber} (counted from 1 at {@code start}) starts with { or [. */
  private static boolean startsValue(byte[] bytes, int start, int end, int lineNumber) {
    return startsValueAt(bytes, startOfLine(bytes, start, end, lineNumber), end);
  }

  /** Whether the line at {@code position} starts an object or an array, after blanks. */
  private static boolean startsValueAt(byte[] bytes, int position, int end) {
    for (int i = position; i < end; i++) {
      if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
        return bytes[i] == '{' || bytes[i] == '[';
      }
    }
    return false;
  }

  private static int indexOf(byte[] bytes, byte wanted, int from, int end) {
    for (int i = from; i < end; i++) {
      if (bytes[i] == wanted) {
        return i;
      }
    }
    return -1;
  }

  /** Where line {@code lineNumber} (counted from 1 at {@code start}, at least 2) begins. */
  private static int startOfLine(byte[] bytes, int start, int end, int lineNumber) {
    int line = 1;
    for (int i = start; i < end; i++) {
      if (bytes[i] == '\n' && ++line == lineNumber) {
        return i + 1;
      }
    }
    return end;
  }
}
