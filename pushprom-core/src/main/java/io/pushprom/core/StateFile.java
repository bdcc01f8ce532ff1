package io.pushprom.core;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Snapshots of an aggregator's whole state in a file, and their loading at start: every family with
 * its type, help, buckets and objectives, and every series with its labels, its value or what it
 * observed, and the time of its last update. {@code docs/state-file.md} describes the format,
 * version {@value #VERSION}:
 *
 * <pre>{@code
 * {"format":"pushprom-state","version":1,"written":"2026-11-23T10:00:00Z","families":[
 * {"name":"gophers","type":"counter","help":"Gophers seen.","series":[
 * {"labels":{"job":"bot"},"value":3.0,"updated":1795428000000}]}]}
 * }</pre>
 *
 * <p>A snapshot is written as it is read, a series at a time, so its size costs no heap, and under
 * no lock that ingest or a scrape waits on: each series is read as it is at that moment, so the
 * file holds every update applied before the snapshot began and maybe some applied while it was
 * written. It replaces the file atomically: after a crash the file is the previous snapshot or the
 * new one, whole.
 *
 * <p>A file is loaded with the rules deltas obey, each checked where the core checks it for deltas
 * ({@link Delta}, {@link Limits}, {@link Family#check}): a family is restored as if from a delta
 * that created it, each series as if from one that named it with its state as the value.
 */
final class StateFile {
  private static final Logger LOG = Logger.getLogger(StateFile.class.getName());

  static final String FORMAT = "pushprom-state";
  static final int VERSION = 1;

  /** Spans of nanoTime stay comparable below 2^63 ns, 292 years: older updates are cut to this. */
  private static final long MAX_AGE_MILLIS = TimeUnit.DAYS.toMillis(100 * 365);

  private static final JsonMapper MAPPER =
      JsonMapper.builder()
          // As strict as the file is written: a repeated key, a count of 2.5, a number written as
          // a string or a label value written as a number mean a damaged file, not one to guess at.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .withCoercionConfig(
              LogicalType.Textual,
              config ->
                  config
                      .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                      .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .addModule(new SimpleModule().addDeserializer(Double.class, new NumberOnly()))
          // Written a series at a time, which must not each reach the disk on their own.
          .disable(SerializationFeature.FLUSH_AFTER_WRITE_VALUE)
          .build();

  private static final TypeReference<List<Double>> BUCKETS = new TypeReference<>() {};
  private static final TypeReference<Map<String, Double>> OBJECTIVES = new TypeReference<>() {};

  /** One snapshot at a time: two would write the same temporary file. */
  private static final Object WRITING = new Object();

  private StateFile() {}

  /** A counter's or gauge's series, as the file holds it. */
  @JsonPropertyOrder({"labels", "value", "updated"})
  private record ScalarState(Map<String, String> labels, Double value, Long updated) {}

  /** A histogram's series: its count per bucket, not cumulative, {@code +Inf} last, and sum. */
  @JsonPropertyOrder({"labels", "bucketCounts", "sum", "updated"})
  private record HistogramState(
      Map<String, String> labels, long[] bucketCounts, Double sum, Long updated) {}

  /** A summary's series: the count and sum of what it observed; its quantiles are not kept. */
  @JsonPropertyOrder({"labels", "count", "sum", "updated"})
  private record SummaryState(Map<String, String> labels, Long count, Double sum, Long updated) {}

  /**
   * Writes a snapshot of {@code aggregator} to {@code file}: to a temporary file beside it, which
   * is synced, renamed over {@code file} and its directory synced. On failure the temporary file is
   * deleted and {@code file} is as it was.
   *
   * @throws IOException if it cannot be written; {@code file} is then unchanged
   */
  static void write(Aggregator aggregator, Path file) throws IOException {
    Path target = file.toAbsolutePath();
    Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
    synchronized (WRITING) {
      boolean renamed = false;
      try {
        // One left by a crash during a write goes; and CREATE_NEW follows no link put in its place.
        Files.deleteIfExists(temporary);
        try (FileChannel channel =
                FileChannel.open(
                    temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            JsonGenerator generator = MAPPER.createGenerator(Channels.newOutputStream(channel))) {
          generator.setPrettyPrinter(new LinePerRecord());
          writeState(aggregator, generator);
          generator.flush();
          // On disk before the rename, or a crash could leave the name on blocks never written.
          channel.force(true);
        }
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        renamed = true;
        // The rename itself survives a crash only once the directory is on disk.
        try (FileChannel directory =
            FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
          directory.force(true);
        }
      } catch (Throwable e) {
        if (!renamed) {
          try {
            Files.deleteIfExists(temporary);
          } catch (IOException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    }
  }

  private static void writeState(Aggregator aggregator, JsonGenerator generator)
      throws IOException {
    Now now = Now.read();
    generator.writeStartObject();
    generator.writeStringField("format", FORMAT);
    generator.writeNumberField("version", VERSION);
    generator.writeStringField("written", Instant.ofEpochMilli(now.millis()).toString());
    if (aggregator.counterNames() == CounterNames.GO) {
      // Written only for go: a file without it has the names of openmetrics, as every file before.
      generator.writeStringField("counterNames", CounterNames.GO.flagValue());
    }
    generator.writeArrayFieldStart("families");
    for (Family family : aggregator.families()) {
      // One removed since the list was made would come back empty and hold its names.
      if (!family.isRemoved()) {
        writeFamily(family, now, generator);
      }
    }
    generator.writeEndArray();
    generator.writeEndObject();
    generator.writeRaw('\n');
  }

  private static void writeFamily(Family family, Now now, JsonGenerator generator)
      throws IOException {
    generator.writeStartObject();
    generator.writeStringField("name", family.name());
    generator.writeStringField("type", family.type().jsonName());
    generator.writeStringField("help", family.help());
    if (family.type() == MetricType.HISTOGRAM) {
      generator.writeFieldName("buckets");
      MAPPER.writeValue(generator, family.buckets());
    } else if (family.type() == MetricType.SUMMARY) {
      generator.writeObjectFieldStart("objectives");
      for (Map.Entry<Double, Double> objective : family.objectives().entrySet()) {
        // Keyed as a delta keys them, "0.5"; Delta.format reads back as the same double.
        generator.writeNumberField(Delta.format(objective.getKey()), objective.getValue());
      }
      generator.writeEndObject();
    }
    generator.writeFieldName("series");
    try (SequenceWriter series = MAPPER.writer().writeValuesAsArray(generator)) {
      for (Series each : family.series()) {
        Object state = stateOf(each, now);
        if (state != null) {
          series.write(state);
        }
      }
    }
    generator.writeEndObject();
  }

  /** The state of {@code series} as the file holds it, or {@code null} if it was removed. */
  private static Object stateOf(Series series, Now now) {
    String[] names = series.key.names();
    String[] values = series.key.values();
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < names.length; i++) {
      labels.put(names[i], values[i]);
    }
    long updated = now.millisOf(series.lastUpdateNanos());
    if (series instanceof ScalarSeries scalar) {
      double value = scalar.value();
      return Double.isNaN(value) ? null : new ScalarState(labels, value, updated);
    }
    if (series.isRemoved()) {
      return null;
    }
    if (series instanceof HistogramSeries histogram) {
      long[] counts = histogram.cumulativeCounts();
      for (int i = counts.length - 1; i > 0; i--) {
        counts[i] -= counts[i - 1];
      }
      return new HistogramState(labels, counts, histogram.sum(), updated);
    }
    SummarySeries summary = (SummarySeries) series;
    return new SummaryState(labels, summary.count(), summary.sum(), updated);
  }

  /**
   * Loads the snapshot in {@code file} into {@code aggregator}, which holds no metrics yet. The
   * file is only read.
   *
   * @return {@code false} if there is no such file, a first start
   * @throws StateFileException naming the file and the problem, if it cannot be read, is not a
   *     state file of a version this reads, or holds anything a delta could not have made; {@code
   *     aggregator} then holds part of it, and is to be discarded
   * @throws IllegalStateException if {@code aggregator} holds metrics already
   */
  static boolean load(Path file, Aggregator aggregator) {
    if (!aggregator.families().isEmpty()) {
      throw new IllegalStateException(
          "a state file is loaded into an aggregator without metrics, this one has some");
    }
    try (InputStream in = Files.newInputStream(file);
        JsonParser parser = MAPPER.createParser(in)) {
      new Loader(file, parser, aggregator).load();
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      // Opening, or closing: Loader turns what reading throws into a StateFileException.
      throw new StateFileException(file, "cannot be read: " + e, e);
    }
  }

  /** Reads one file into one aggregator, knowing where it is for each message. */
  private static final class Loader {
    private final Path file;
    private final JsonParser parser;
    private final Aggregator aggregator;
    private final Now now = Now.read();

    /** How the file names its counters; before the families, it may say go. */
    private CounterNames counterNames = CounterNames.OPENMETRICS;

    // Where reading is, for messages, as jq would name it: .families[2].series[7], or
    // .families[2].buckets while a family's field is read.
    private int familyIndex = -1;
    private int seriesIndex = -1;

    /**
     * The series restored from labels of which one had an empty value, and was left out, with each
     * spelling of their labels read so far ({@code {a=}}, {@code {}}): another spelling of the same
     * series may follow in a file written before that rule, but not the same one again.
     */
    private final Map<Series, Set<Labels>> spellings = new IdentityHashMap<>();

    private String field;

    /** Where the family or series being read starts. */
    private JsonLocation start;

    Loader(Path file, JsonParser parser, Aggregator aggregator) {
      this.file = file;
      this.parser = parser;
      this.aggregator = aggregator;
    }

    void load() {
      try {
        readState();
      } catch (JsonEOFException e) {
        throw problem("truncated at " + lineOf(e.getLocation()));
      } catch (UnrecognizedPropertyException e) {
        throw invalid(e, "unknown field \"" + e.getPropertyName() + "\"");
      } catch (MismatchedInputException e) {
        Class<?> type = e.getTargetType();
        List<JsonMappingException.Reference> path = e.getPath();
        if (type != null
            && type.isArray()
            && !path.isEmpty()
            && path.get(path.size() - 1).getIndex() >= 0) {
          type = type.getComponentType(); // an element was wrong, not the array
        }
        throw invalid(e, "expected " + kind(type) + ", got " + found());
      } catch (JsonMappingException e) {
        throw invalid(e, DeltaParser.firstLine(e.getOriginalMessage()));
      } catch (JsonProcessingException e) {
        throw problem(
            "malformed JSON at "
                + lineOf(e.getLocation())
                + ": "
                + DeltaParser.firstLine(e.getOriginalMessage()));
      } catch (IOException e) {
        throw new StateFileException(file, "cannot be read: " + e, e);
      } catch (InvalidDeltaException e) {
        throw invalid(start, e.getMessage());
      }
    }

    private void readState() throws IOException {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw problem("empty, not a pushprom state file");
      }
      if (token != JsonToken.START_OBJECT
          || parser.nextToken() != JsonToken.FIELD_NAME
          || !parser.currentName().equals("format")
          || parser.nextToken() != JsonToken.VALUE_STRING
          || !parser.getText().equals(FORMAT)) {
        throw problem(
            "not a pushprom state file (no \"format\": \"" + FORMAT + "\" as its first field)");
      }
      if (parser.nextToken() != JsonToken.FIELD_NAME
          || !parser.currentName().equals("version")
          || parser.nextToken() != JsonToken.VALUE_NUMBER_INT) {
        throw invalid(parser.currentTokenLocation(), "no \"version\" number after \"format\"");
      }
      BigInteger version = parser.getBigIntegerValue();
      if (version.compareTo(BigInteger.valueOf(VERSION)) > 0) {
        throw problem(
            "version " + version + " is newer than this pushprom reads (" + VERSION + ")");
      }
      if (version.signum() <= 0) {
        throw problem("version " + version + " does not exist, versions start at 1");
      }
      boolean families = false;
      for (token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
        String name = parser.currentName();
        token = parser.nextToken();
        switch (name) {
          case "written" -> expect(token, JsonToken.VALUE_STRING, "\"written\"");
          case "counterNames" -> {
            expect(token, JsonToken.VALUE_STRING, "\"counterNames\"");
            try {
              counterNames = CounterNames.fromFlagValue(parser.getText());
            } catch (IllegalArgumentException e) {
              throw invalid(parser.currentTokenLocation(), e.getMessage());
            }
          }
          case "families" -> {
            expect(token, JsonToken.START_ARRAY, "\"families\"");
            readFamilies();
            families = true;
          }
          default -> throw unknownField(name);
        }
      }
      if (!families) {
        throw problem("no \"families\"");
      }
      if (parser.nextToken() != null) {
        throw invalid(parser.currentTokenLocation(), "more after the end of the state");
      }
    }

    private void readFamilies() throws IOException {
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_ARRAY;
          token = parser.nextToken()) {
        familyIndex++;
        start = parser.currentTokenLocation();
        expect(token, JsonToken.START_OBJECT, "a family");
        readFamily();
      }
      familyIndex = -1;
    }

    /** Reads a family: the series come last, as they are restored into the family once made. */
    private void readFamily() throws IOException {
      String name = null;
      MetricType type = null;
      String help = null;
      List<Double> buckets = null;
      SortedMap<Double, Double> objectives = null;
      Family family = null;
      for (JsonToken token = parser.nextToken();
          token == JsonToken.FIELD_NAME;
          token = parser.nextToken()) {
        field = parser.currentName();
        token = parser.nextToken();
        if (family != null) {
          throw invalid(start, "\"" + field + "\" after \"series\", which pushprom writes last");
        }
        switch (field) {
          case "name" -> name = text(token);
          case "type" -> type = type(text(token), parser.currentTokenLocation());
          case "help" -> help = text(token);
          case "buckets" -> buckets = MAPPER.readValue(parser, BUCKETS);
          case "objectives" -> objectives = objectives(token);
          case "series" -> {
            expect(token, JsonToken.START_ARRAY, "\"series\"");
            field = null;
            family = restoreFamily(name, type, help, buckets, objectives);
            readSeries(family);
          }
          default -> throw unknownField(field);
        }
        field = null;
      }
      if (family == null) {
        restoreFamily(name, type, help, buckets, objectives);
      }
    }

    private MetricType type(String name, JsonLocation where) {
      MetricType type = MetricType.fromJson(name);
      if (type == null) {
        throw invalid(
            where,
            "unknown type \""
                + Delta.abbreviate(name)
                + "\", expected counter, gauge, histogram or summary");
      }
      return type;
    }

    private SortedMap<Double, Double> objectives(JsonToken token) throws IOException {
      expect(token, JsonToken.START_OBJECT, "\"objectives\"");
      SortedMap<Double, Double> objectives = new TreeMap<>();
      for (Map.Entry<String, Double> objective : MAPPER.readValue(parser, OBJECTIVES).entrySet()) {
        String quantile = objective.getKey();
        // As a delta's: Java would also read " 0.5f " or "0x1p-1".
        if (!DeltaParser.QUANTILE.matcher(quantile).matches()) {
          throw invalid(
              start, "objective quantile \"" + Delta.abbreviate(quantile) + "\" is not a number");
        }
        objectives.put(Double.valueOf(quantile), objective.getValue());
      }
      return objectives;
    }

    /** Creates the family as the delta that first named it would have, without its series. */
    private Family restoreFamily(
        String name,
        MetricType type,
        String help,
        List<Double> buckets,
        SortedMap<Double, Double> objectives) {
      if (name == null || type == null) {
        throw invalid(start, "no \"" + (name == null ? "name" : "type") + "\" before \"series\"");
      }
      if (buckets != null && type != MetricType.HISTOGRAM) {
        throw invalid(start, Delta.subject(type, name) + ": buckets are only for a histogram");
      }
      if (objectives != null && type != MetricType.SUMMARY) {
        throw invalid(start, Delta.subject(type, name) + ": objectives are only for a summary");
      }
      Delta first =
          new Delta(
              type,
              // Named as the file names it: under the other naming, the name it would be pushed as.
              Family.deltaName(type, name, counterNames),
              help,
              restoring(type),
              0,
              null,
              buckets,
              objectives);
      aggregator.limits().check(first);
      Family family = aggregator.restoreFamily(first);
      if (family == null && counterNames != aggregator.counterNames()) {
        throw invalid(
            start,
            Delta.subject(type, name)
                + ": two counters of the file, apart as it names counters ("
                + counterNames.flagValue()
                + "), would be one as this pushprom names them ("
                + aggregator.counterNames().flagValue()
                + ")");
      }
      if (family == null) {
        throw invalid(start, Delta.subject(type, name) + ": the family is in the file twice");
      }
      return family;
    }

    private void readSeries(Family family) throws IOException {
      ObjectReader reader =
          MAPPER.readerFor(
              switch (family.type()) {
                case COUNTER, GAUGE -> ScalarState.class;
                case HISTOGRAM -> HistogramState.class;
                case SUMMARY -> SummaryState.class;
              });
      for (JsonToken token = parser.nextToken();
          token != JsonToken.END_ARRAY;
          token = parser.nextToken()) {
        seriesIndex++;
        start = parser.currentTokenLocation();
        expect(token, JsonToken.START_OBJECT, "a series");
        restoreSeries(family, reader.readValue(parser));
      }
      seriesIndex = -1;
    }

    private void restoreSeries(Family family, Object state) {
      // Each series is made just now, before any delta can reach it: restore finds none removed.
      String subject = Delta.subject(family.type(), family.name());
      if (state instanceof ScalarState scalar) {
        double value = required(scalar.value(), "value");
        Series series = newSeries(family, scalar.labels(), value, scalar.updated());
        if (series != null) {
          ((ScalarSeries) series).restore(value);
        }
      } else if (state instanceof HistogramState histogram) {
        long[] counts = required(histogram.bucketCounts(), "bucketCounts");
        double sum = required(histogram.sum(), "sum");
        int expected = family.buckets().size() + 1;
        if (counts.length != expected) {
          throw invalid(
              start,
              subject
                  + ": "
                  + counts.length
                  + " bucket counts, expected "
                  + expected
                  + ": one per bucket, +Inf last");
        }
        long total = 0;
        for (long count : counts) {
          if (count < 0 || Long.MAX_VALUE - total < count) {
            throw invalid(
                start,
                subject
                    + ": bucket count "
                    + count
                    + (count < 0 ? " is negative" : " makes the count exceed 2^63-1"));
          }
          total += count;
        }
        Series series = newSeries(family, histogram.labels(), sum, histogram.updated());
        if (series != null) {
          ((HistogramSeries) series).restore(counts, sum);
        }
      } else {
        SummaryState summary = (SummaryState) state;
        long count = required(summary.count(), "count");
        double sum = required(summary.sum(), "sum");
        if (count < 0) {
          throw invalid(start, subject + ": count " + count + " is negative");
        }
        Series series = newSeries(family, summary.labels(), sum, summary.updated());
        if (series != null) {
          ((SummarySeries) series).restore(count, sum);
        }
      }
    }

    /**
     * Makes the series of {@code labels}, once they and {@code value} (a counter's or gauge's
     * value, a histogram's or summary's sum) pass the checks of a delta that would set them.
     *
     * @return the series, or {@code null} if an earlier one of the file is the same series, which
     *     keeps its state
     */
    private Series newSeries(
        Family family, Map<String, String> labels, double value, Long updated) {
      required(labels, "labels");
      long updatedMillis = required(updated, "updated");
      Delta delta =
          new Delta(
              family.type(),
              Family.deltaName(family.type(), family.name(), aggregator.counterNames()),
              null,
              restoring(family.type()),
              value,
              Labels.of(labels),
              null,
              null);
      aggregator.limits().check(delta);
      Labels present = (Labels) delta.labels();
      boolean leftOut = present.size() < labels.size();
      Series series = family.restore(present, now.nanosOf(updatedMillis));
      if (series == null) {
        Series earlier = family.series(present);
        Set<Labels> seen = spellings.get(earlier);
        Labels spelled = Labels.of(labels);
        if (seen == null ? !leftOut : seen.contains(spelled)) {
          throw invalid(
              start,
              Delta.subject(family.type(), family.name())
                  + ": labels "
                  + Delta.abbreviate(labels.toString())
                  + " are those of an earlier series");
        }
        // A file written before a label with an empty value was left out may hold x{a=""} and x,
        // which Prometheus took for one series, and of which it kept the first sample it read: the
        // first in the file, written in the same order as /metrics.
        LOG.warning(
            () ->
                "state file "
                    + file
                    + ": "
                    + Delta.subject(family.type(), family.name())
                    + ": labels "
                    + Delta.abbreviate(labels.toString())
                    + " name the same series as an earlier one (a label with an empty value is no"
                    + " label); the earlier one's state is kept");
        if (seen == null) {
          seen = new HashSet<>();
          seen.add(present);
          spellings.put(earlier, seen);
        }
        seen.add(spelled);
        return null;
      }
      if (leftOut) {
        spellings.put(series, new HashSet<>(Set.of(Labels.of(labels))));
      }
      return series;
    }

    private <T> T required(T value, String name) {
      if (value == null) {
        throw invalid(start, "\"" + name + "\" is missing or null");
      }
      return value;
    }

    private String text(JsonToken token) throws IOException {
      expect(token, JsonToken.VALUE_STRING, "\"" + field + "\"");
      return parser.getText();
    }

    private void expect(JsonToken token, JsonToken expected, String what) throws IOException {
      if (token != expected) {
        throw invalid(
            parser.currentTokenLocation(),
            what + " must be " + DeltaParser.describe(expected) + ", got " + found());
      }
    }

    private StateFileException unknownField(String name) {
      return invalid(parser.currentTokenLocation(), "unknown field \"" + name + "\"");
    }

    /** What the parser is at, as a message shows it: a scalar itself, else its kind. */
    private String found() {
      JsonToken token = parser.currentToken();
      if (token == null) {
        return "nothing";
      }
      if (!token.isScalarValue()) {
        return DeltaParser.describe(token);
      }
      try {
        String text = Delta.abbreviate(parser.getText());
        return token == JsonToken.VALUE_STRING ? "\"" + text + "\"" : text;
      } catch (IOException e) {
        return DeltaParser.describe(token);
      }
    }

    /** The problem with the value at {@code e}'s path, below the family or series being read. */
    private StateFileException invalid(JsonMappingException e, String what) {
      StringBuilder below = new StringBuilder();
      for (JsonMappingException.Reference reference : e.getPath()) {
        String name = reference.getFieldName();
        if (name != null) {
          // As jq would name it: a key that is no identifier, such as a quantile, is quoted.
          below.append(name.matches("[A-Za-z_][A-Za-z0-9_]*") ? "." + name : ".\"" + name + "\"");
        } else if (reference.getIndex() >= 0) {
          below.append('[').append(reference.getIndex()).append(']');
        }
      }
      JsonLocation where = e.getLocation() != null ? e.getLocation() : start;
      return problem(path() + below + " at " + lineOf(where) + ": " + what);
    }

    private StateFileException invalid(JsonLocation where, String what) {
      String path = path();
      return problem((path.isEmpty() ? "" : path + " ") + "at " + lineOf(where) + ": " + what);
    }

    private StateFileException problem(String what) {
      return new StateFileException(file, what);
    }

    private String path() {
      StringBuilder path = new StringBuilder();
      if (familyIndex >= 0) {
        path.append(".families[").append(familyIndex).append(']');
      }
      if (seriesIndex >= 0) {
        path.append(".series[").append(seriesIndex).append(']');
      } else if (field != null) {
        path.append('.').append(field);
      }
      return path.toString();
    }
  }

  private static String lineOf(JsonLocation where) {
    return "line " + where.getLineNr() + ", column " + where.getColumnNr();
  }

  /** What a value of {@code type} is called in a message. */
  private static String kind(Class<?> type) {
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == String.class) {
      return "a string";
    }
    return type != null && (type.isArray() || List.class.isAssignableFrom(type))
        ? "an array"
        : "an object";
  }

  /** The method of a delta that makes a series of {@code type} hold the delta's value. */
  private static Method restoring(MetricType type) {
    return switch (type) {
      case COUNTER -> Method.ADD;
      case GAUGE -> Method.SET;
      case HISTOGRAM, SUMMARY -> Method.OBSERVE;
    };
  }

  /**
   * Reads a double from a JSON number only: databind takes the strings "NaN" and "Infinity" as
   * numbers whatever its coercion settings, and a NaN would read as a missing value.
   */
  private static final class NumberOnly extends StdScalarDeserializer<Double> {
    private static final long serialVersionUID = 1L;

    NumberOnly() {
      super(Double.class);
    }

    @Override
    public Double deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      return parser.currentToken().isNumeric()
          ? parser.getDoubleValue()
          : (Double) context.handleUnexpectedToken(Double.class, parser);
    }
  }

  /**
   * Starts each family and each series on a line of its own, and adds no other white space: the
   * file stays compact, while {@code less}, {@code grep} and the line numbers in messages work.
   */
  private static final class LinePerRecord extends MinimalPrettyPrinter {
    private static final long serialVersionUID = 1L;

    @Override
    public void beforeArrayValues(JsonGenerator generator) throws IOException {
      if (holdsRecords(generator)) {
        generator.writeRaw('\n');
      }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator generator) throws IOException {
      generator.writeRaw(holdsRecords(generator) ? ",\n" : ",");
    }

    private static boolean holdsRecords(JsonGenerator generator) {
      JsonStreamContext array = generator.getOutputContext();
      String field = array.getParent().getCurrentName();
      return "families".equals(field) || "series".equals(field);
    }
  }

  /** The wall clock and {@link System#nanoTime()} read together, to turn either into the other. */
  private record Now(long millis, long nanos) {
    static Now read() {
      return new Now(System.currentTimeMillis(), System.nanoTime());
    }

    /** The epoch milliseconds of a {@link System#nanoTime()} stamp, never later than now. */
    long millisOf(long stamp) {
      return millis - TimeUnit.NANOSECONDS.toMillis(Math.max(0, nanos - stamp));
    }

    /** The {@link System#nanoTime()} stamp of epoch milliseconds, never later than now. */
    long nanosOf(long epochMillis) {
      long age =
          epochMillis >= millis
              ? 0
              : epochMillis <= millis - MAX_AGE_MILLIS ? MAX_AGE_MILLIS : millis - epochMillis;
      return nanos - TimeUnit.MILLISECONDS.toNanos(age);
    }
  }
}
