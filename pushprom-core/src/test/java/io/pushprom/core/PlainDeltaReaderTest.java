package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plain reader reads the usual bodies without Jackson, and what it reads is what Jackson reads:
 * the same deltas, the same bytes shown for each. What it does not read whole, Jackson reads, so
 * every body gets the same batch either way.
 */
class PlainDeltaReaderTest {
  private static final String TYPICAL =
      "{\"type\":\"counter\",\"name\":\"gophers_total\",\"help\":\"little burrowing rodents\","
          + "\"method\":\"inc\",\"labels\":{\"job\":\"bot\",\"instance\":\"web-1\"}}";

  /** Limits small enough that random bodies cross them. */
  private static final Limits SMALL =
      Limits.defaults()
          .withMaxLabels(3)
          .withMaxNameLength(12)
          .withMaxHelpLength(20)
          .withMaxLabelValueLength(6)
          .withMaxDeltasPerBody(4);

  @ParameterizedTest
  @ValueSource(
      strings = {
        TYPICAL,
        // NDJSON, as batching UDP clients send it, with a final newline and CRLFs.
        "{'type':'gauge','name':'a','method':'set','value':1}\n"
            + "{'type':'gauge','name':'b','method':'add','value':-2.5e3}\r\n"
            + "{'type':'counter','name':'c','method':'add','value':0.25}\n",
        // A JSON array, as HTTP clients batch, with blanks everywhere JSON allows them.
        "[ {'type':'gauge','name':'a','method':'set','value':1} ,\n"
            + " { 'type' : 'gauge' , 'name' : 'b' , 'method' : 'sub' , 'value' : 7 } ]\n",
        "{'type':'histogram','name':'latency','method':'observe','value':0.003,'labels':{}}",
        "{'type':'summary','name':'size','help':'','method':'observe','value':1E+2}",
        "{'name':'a','method':'set','type':'gauge','value':-0}",
        "{'type':'gauge','name':'a','method':'set','value':-0.0}",
        "{'type':'gauge','name':'a','method':'set','value':123456789012345678}",
        "{'type':'gauge','name':'a','method':'set','value':1234567890123456789}",
        // A field given twice: the last one wins, as Jackson reads it.
        "{'type':'gauge','name':'a','name':'b','method':'set','value':1}",
        "{'type':'gauge','name':'a','method':'set','value':1,'labels':{'a':'x','a':'y'}}",
      })
  void readsTheUsualBodiesAsJacksonDoes(String body) {
    byte[] bytes = json(body);

    DeltaParser.Batch plain = PlainDeltaReader.read(bytes, 0, bytes.length, Limits.defaults());

    assertNotNull(plain, "read without Jackson");
    assertTrue(plain.size() > 0);
    assertSameBatch(jackson(bytes, 0, bytes.length, Limits.defaults()), plain);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " \n",
        "[]",
        "{}",
        "{}{}",
        "{'type':'gauge','name':'a','method':'set','value':1}{'type':'gauge','name':'b',"
            + "'method':'set','value':1}",
        "[{'type':'gauge','name':'a','method':'set','value':1}] {'type':'gauge','name':'b',"
            + "'method':'set','value':1}",
        "{'type':'gauge','name':'a','method':'set','value':01}",
        "{'type':'gauge','name':'a','method':'set','value':1.}",
        "{'type':'gauge','name':'a','method':'set','value':.5}",
        "{'type':'gauge','name':'a','method':'set','value':+1}",
        "{'type':'gauge','name':'a','method':'set','value':-}",
        "{'type':'gauge','name':'a','method':'set','value':1e}",
        "{'type':'gauge','name':'a','method':'set','value':NaN}",
        "{'type':'gauge','name':'a','method':'set','value':null}",
        "{'type':'gauge','name':'a','method':'set','value':'1'}",
        "{'type':'gauge','name':'a','method':'set','value':12345678901234567890123456789}",
        "{'type':'gauge','name':'\\u0061','method':'set','value':1}",
        "{'type':'gauge','name':'a','help':'caf\u00e9','method':'set','value':1}",
        "{'type':'gauge','name':'a','help':null,'method':'set','value':1}",
        "{'type':'gauge','name':'a','method':'set','value':1,'labels':{'n':1}}",
        "{'type':'gauge','name':'a','method':'set','value':1,'labels':null}",
        "{'type':'gauge','name':'a','method':'set','value':1,'extra':true}",
        "{'type':'histogram','name':'a','method':'observe','value':1,'buckets':[1,2]}",
        "{'type':'gauge','name':'a','method':'set','value':1,}",
        "{'type':'gauge','name':'a','method':'set','value':1",
        "{'type':'gauge' 'name':'a','method':'set','value':1}",
        "{'type':'gauge','name':'a','method':'set','value':1} x",
        "{'type':'gauge','name':'a','method':'set','value':1}\u0000",
        "{'type':'gauge','name':'not a name','method':'set','value':1}",
        "{'type':'gauge','name':'a','method':'grow','value':1}",
        "{'type':'gauge','name':'a','method':'set','value':1,'labels':{'le':'x','__a':'y'}}",
      })
  void leavesToJacksonWhatItDoesNotRead(String body) {
    byte[] bytes = json(body);

    assertNull(PlainDeltaReader.read(bytes, 0, bytes.length, Limits.defaults()));
    assertSameBatch(
        jackson(bytes, 0, bytes.length, Limits.defaults()),
        DeltaParser.parse(bytes, 0, bytes.length, Limits.defaults()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{'type':'gauge','name':'a','method':'inc'}\n{'type':'gauge','name':'b','method':'inc'}\n"
            + "{'type':'gauge','name':'c','method':'inc'}\n{'type':'gauge','name':'d'",
        "[{'type':'gauge','name':'a','method':'inc'},{'type':'gauge','name':'b','method':'inc'},"
            + "{'type':'gauge','name':'c','method':'inc'}, {'type':'gauge'",
      })
  void refusesWhatIsPastTheDeltaLimitUnreadAsTheParserDoes(String body) {
    byte[] bytes = json(body);
    Limits two = Limits.defaults().withMaxDeltasPerBody(2);

    DeltaParser.Batch plain = PlainDeltaReader.read(bytes, 0, bytes.length, two);

    assertNotNull(plain, "read without Jackson");
    assertEquals(3, plain.size());
    assertEquals(List.of(new Rejection(2, Reason.INVALID, two.deltaCount())), plain.rejections());
    assertSameBatch(jackson(bytes, 0, bytes.length, two), plain);
  }

  @Test
  void readsOnlyItsPartOfTheArray() {
    byte[] bytes = ("garbage" + TYPICAL + "garbage").getBytes(StandardCharsets.US_ASCII);
    int offset = "garbage".length();

    DeltaParser.Batch plain =
        PlainDeltaReader.read(bytes, offset, offset + TYPICAL.length(), Limits.defaults());

    assertNotNull(plain);
    assertEquals(offset, plain.start(0));
    assertEquals(offset + TYPICAL.length(), plain.end(0));
    assertSameBatch(jackson(bytes, offset, offset + TYPICAL.length(), Limits.defaults()), plain);
  }

  /**
   * Bodies made of random pieces of the usual shape, then broken at random: whichever reader reads
   * one, the batch is the same as Jackson's alone, deltas, spans and rejections.
   */
  @Test
  void agreesWithJacksonOnRandomBodies() {
    Random random = new Random(20261206);
    int readPlain = 0;
    for (int i = 0; i < 20_000; i++) {
      String body = randomBody(random);
      if (random.nextInt(3) == 0) {
        body = mutate(body, random);
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      Limits limits = random.nextBoolean() ? Limits.defaults() : SMALL;
      if (PlainDeltaReader.read(bytes, 0, bytes.length, limits) != null) {
        readPlain++;
      }
      assertSameBatch(
          jackson(bytes, 0, bytes.length, limits),
          DeltaParser.parse(bytes, 0, bytes.length, limits),
          body);
    }
    // Most of the bodies, not only the broken ones, are read plain, or this test shows little.
    assertTrue(readPlain > 5_000, "read plain: " + readPlain);
  }

  /** Each type with a method it takes, and pieces that are good most of the time. */
  private static final String[][] KINDS = {
    {"counter", "inc"}, {"counter", "add"}, {"gauge", "set"}, {"gauge", "sub"},
    {"histogram", "observe"}, {"summary", "observe"}, {"gauge ", "set"}, {"counter", "set"},
  };

  private static final String[] NAMES = {
    "a", "gophers_total", "b:c", "x_1", "_total", "1a", "long_name_x"
  };
  private static final String[] TEXTS = {"", "x", "web-1", "a b", "0123456", "caf\u00e9", "q\\\""};
  private static final String[] NUMBERS = {
    "1", "0", "-0", "2.5", "3e2", "1E-3", "0.1", "99999999999999999999", "-7", "1e400", "\"1\"",
  };
  private static final String[] BLANKS = {"", "", "", " ", "\n", "\r\n", "\t"};

  private static String randomBody(Random random) {
    int deltas = 1 + random.nextInt(5);
    List<String> objects = new ArrayList<>();
    for (int i = 0; i < deltas; i++) {
      objects.add(randomDelta(random));
    }
    return switch (random.nextInt(3)) {
      case 0 -> objects.get(0);
      case 1 -> String.join("\n", objects) + pick(random, BLANKS);
      default -> "[" + String.join("," + pick(random, BLANKS), objects) + "]";
    };
  }

  private static String randomDelta(Random random) {
    List<String> fields = new ArrayList<>();
    String[] kind = mostlyGood(random, KINDS, 6);
    fields.add(field(random, "type", quoted(kind[0])));
    fields.add(field(random, "name", quoted(mostlyGood(random, NAMES, 4))));
    fields.add(field(random, "method", quoted(kind[1])));
    if (random.nextInt(8) != 0) {
      fields.add(field(random, "value", mostlyGood(random, NUMBERS, 7)));
    }
    if (random.nextBoolean()) {
      fields.add(field(random, "help", quoted(mostlyGood(random, TEXTS, 5))));
    }
    if (random.nextBoolean()) {
      List<String> labels = new ArrayList<>();
      for (int i = random.nextInt(5); i > 0; i--) {
        labels.add(
            field(
                random,
                mostlyGood(random, new String[] {"job", "b", "zone", "le", "__x"}, 3),
                label(random)));
      }
      fields.add(field(random, "labels", "{" + String.join(",", labels) + "}"));
    }
    if (random.nextInt(10) == 0) {
      fields.add(fields.get(random.nextInt(fields.size())));
    }
    Collections.shuffle(fields, random);
    String blank = pick(random, BLANKS);
    return "{" + blank + String.join("," + blank, fields) + blank + "}";
  }

  private static String label(Random random) {
    return random.nextInt(8) == 0 ? pick(random, NUMBERS) : quoted(mostlyGood(random, TEXTS, 5));
  }

  /** One of the first {@code good} choices nine times in ten, else any. */
  private static <T> T mostlyGood(Random random, T[] choices, int good) {
    return choices[random.nextInt(random.nextInt(10) == 0 ? choices.length : good)];
  }

  private static String field(Random random, String name, String value) {
    return quoted(name) + pick(random, BLANKS) + ":" + pick(random, BLANKS) + value;
  }

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }

  private static String pick(Random random, String[] choices) {
    return choices[random.nextInt(choices.length)];
  }

  /** The body with one byte removed, replaced or doubled, or cut short. */
  private static String mutate(String body, Random random) {
    if (body.isEmpty()) {
      return body;
    }
    int at = random.nextInt(body.length());
    String inserted =
        pick(random, new String[] {"{", "}", "[", "]", ",", ":", "\"", "\\", "x", "0"});
    return switch (random.nextInt(4)) {
      case 0 -> body.substring(0, at) + body.substring(at + 1);
      case 1 -> body.substring(0, at) + inserted + body.substring(at + 1);
      case 2 -> body.substring(0, at) + body.charAt(at) + body.substring(at);
      default -> body.substring(0, at);
    };
  }

  private static DeltaParser.Batch jackson(byte[] bytes, int offset, int end, Limits limits) {
    return DeltaParser.parseWithJackson(
        bytes, offset, end, Unicode.hasNonAscii(bytes, offset, end), limits);
  }

  private static void assertSameBatch(DeltaParser.Batch expected, DeltaParser.Batch actual) {
    assertSameBatch(expected, actual, "");
  }

  private static void assertSameBatch(
      DeltaParser.Batch expected, DeltaParser.Batch actual, String body) {
    assertEquals(expected.size(), actual.size(), body);
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.delta(i), actual.delta(i), body);
      assertEquals(expected.start(i), actual.start(i), body);
      assertEquals(expected.end(i), actual.end(i), body);
    }
    assertEquals(expected.rejections(), actual.rejections(), body);
  }

  /** The body with single quotes made double, as DeltaTest writes its JSON. */
  private static byte[] json(String body) {
    return body.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }
}
