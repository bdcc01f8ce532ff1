package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import io.prometheus.client.exporter.common.TextFormat;
import io.pushprom.core.Aggregator;
import io.pushprom.core.CounterNames;
import io.pushprom.core.GoCounterSamples;
import io.pushprom.core.IngestResult;
import io.pushprom.core.TextExposition;
import io.pushprom.core.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text format 0.0.4 written straight from the series ({@link TextExposition}) is, byte for
 * byte, what simpleclient's {@link TextFormat#write004} writes of the samples the registry yields
 * for the same series: random label values and help texts (quotes, backslashes, line feeds,
 * Unicode), random numbers (integers, the edges of the plain notation, tiny and huge ones, -0.0),
 * every type, and an application's own simpleclient metrics beside them, whose {@code _created}
 * samples simpleclient keeps for the end.
 */
class TextExpositionTest {
  private static final String ALPHABET = "\\\"\n\r\t ,={}#ab\u00e9\u00ff\u0100\u4e2d\u2028";

  @ParameterizedTest
  @EnumSource(CounterNames.class)
  void writesWhatSimpleclientWritesOfTheSameSamples(CounterNames counterNames) throws IOException {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    CollectorRegistry registry = new CollectorRegistry();
    Counter appCounter =
        Counter.build("app_requests", "an application's own").labelNames("path").register(registry);
    appCounter.labels("/a\"b").inc(3);
    Histogram.build("app_seconds", "its latency").buckets(0.5).register(registry).observe(0.2);
    Aggregator aggregator =
        Aggregator.builder(registry).maxSeries(100_000).counterNames(counterNames).build();
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      body.append(randomDelta(random, i)).append('\n');
    }
    IngestResult result =
        aggregator.ingestAll(Transport.HTTP, body.toString().getBytes(StandardCharsets.UTF_8));
    assertTrue(result.rejections().isEmpty(), "seed " + seed + ": " + result.rejections());

    List<MetricFamilySamples> direct = TextExposition.collect(registry);
    assertTrue(direct.stream().anyMatch(family -> family instanceof TextExposition));
    ByteArrayOutputStream ours = new ByteArrayOutputStream();
    Exposition.write(TextFormat.CONTENT_TYPE_004, ours, direct);

    StringWriter simpleclients = new StringWriter();
    List<MetricFamilySamples> samples = Collections.list(registry.metricFamilySamples());
    TextFormat.write004(simpleclients, Collections.enumeration(samples));
    String expected = simpleclients.toString();
    for (MetricFamilySamples family : samples) {
      if (family instanceof GoCounterSamples) {
        // simpleclient types a counter named as pushed untyped; Pushprom says counter.
        expected =
            expected.replace(
                "# TYPE " + family.name + " untyped\n", "# TYPE " + family.name + " counter\n");
      }
    }
    // The registry yields its collectors in the order of a HashSet it makes for each call, which
    // may differ from one call to the next: families are compared in order of name, each whole.
    assertEquals(
        byFamily(expected), byFamily(ours.toString(StandardCharsets.UTF_8)), "seed " + seed);
  }

  /** The body's families, each with its lines in the order written, sorted by name. */
  private static String byFamily(String body) {
    List<String> families = new ArrayList<>();
    for (String family : body.split("(?=# HELP )")) {
      families.add(family);
    }
    Collections.sort(families);
    return String.join("", families);
  }

  /** A delta to one of a few metrics of each type, with random labels, help and value. */
  private static String randomDelta(Random random, int i) {
    int metric = random.nextInt(12);
    String labels =
        "{\"a\":"
            + jsonString(randomText(random))
            + ",\"b\":\""
            + i % 50
            + "\""
            + (random.nextBoolean() ? ",\"c\":" + jsonString(randomText(random)) : "")
            + "}";
    String help = random.nextInt(4) == 0 ? ",\"help\":" + jsonString(randomText(random)) : "";
    return switch (metric % 4) {
      case 0 -> "{\"type\":\"counter\",\"name\":\"c"
          + metric
          + (metric == 4 ? "_total" : "")
          + "\",\"method\":\"add\",\"value\":"
          + Math.abs(randomDouble(random))
          + ",\"labels\":"
          + (metric == 8 ? "{}" : labels)
          + help
          + "}";
      case 1 -> "{\"type\":\"gauge\",\"name\":\"g"
          + metric
          + "\",\"method\":\"set\",\"value\":"
          + randomDouble(random)
          + ",\"labels\":"
          + labels
          + help
          + "}";
      case 2 -> "{\"type\":\"histogram\",\"name\":\"h"
          + metric
          + "\",\"method\":\"observe\",\"value\":"
          + bounded(randomDouble(random))
          + (metric == 6 ? ",\"buckets\":[-1e-7,0.1,1,12345678.5]" : "")
          + ",\"labels\":"
          + labels
          + help
          + "}";
      default -> "{\"type\":\"summary\",\"name\":\"s"
          + metric
          + "\",\"method\":\"observe\",\"value\":"
          + bounded(randomDouble(random))
          + (metric == 7 ? ",\"objectives\":{\"0.5\":0.05,\"0.99\":0.001}" : "")
          + ",\"labels\":"
          + labels
          + help
          + "}";
    };
  }

  /** {@code value}, or a small fraction of it if it is huge: sums of observations stay finite. */
  private static double bounded(double value) {
    return Math.abs(value) > 1e100 ? value / 1e300 : value;
  }

  /** Integers, the edges of Double.toString's plain notation, tiny, huge, -0.0, or any bits. */
  private static double randomDouble(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> random.nextInt(2_000) - 1_000;
      case 1 -> (random.nextBoolean() ? 1 : -1) * (9_999_990 + random.nextInt(20));
      case 2 -> random.nextInt(3) - 1 + random.nextInt(10) / 8.0;
      case 3 -> -0.0;
      case 4 -> (random.nextBoolean() ? 1e-3 : 1e7) * (1 + random.nextGaussian() / 1e6);
      case 5 -> random.nextLong() / 1e3;
      default -> {
        double any;
        do {
          any = Double.longBitsToDouble(random.nextLong());
        } while (!Double.isFinite(any) || Math.abs(any) > 1e300);
        yield any;
      }
    };
  }

  private static String randomText(Random random) {
    StringBuilder text = new StringBuilder();
    for (int n = random.nextInt(10); n > 0; n--) {
      text.append(
          random.nextInt(8) == 0
              ? "\ud83d\udc39" // a hamster, a surrogate pair
              : String.valueOf(ALPHABET.charAt(random.nextInt(ALPHABET.length()))));
    }
    return text.toString();
  }

  /** {@code text} as a JSON string, every character but letters escaped. */
  private static String jsonString(String text) {
    StringBuilder json = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      json.append(Character.isLetter(c) ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return json.append('"').toString();
  }

}
