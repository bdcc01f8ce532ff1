package io.pushprom.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.client.Collector;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineWriterTest {
  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0, -0.0, 1, -1, 9_999_999, -9_999_999, 10_000_000, -10_000_000, 9_999_999.5, 0.5, 1e-3,
        9.99e-4, 1e7, 1.5e300, 4.9e-324, Double.MAX_VALUE, -Double.MAX_VALUE, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 12345678912345678.0, 0.1, 0.3
      })
  void writesNumbersAsSimpleclientWritesThem(double value) throws IOException {
    assertEquals(Collector.doubleToGoString(value), written(value));
  }

  @Test
  void writesRandomNumbersAsSimpleclientWritesThem() throws IOException {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    for (int i = 0; i < 200_000; i++) {
      double value =
          switch (i % 4) {
            case 0 -> Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextInt(20_000_001) - 10_000_000;
            case 2 -> (random.nextInt(20_001) - 10_000) / 8.0;
            default -> random.nextLong() / Math.pow(10, random.nextInt(20));
          };
      assertEquals(Collector.doubleToGoString(value), written(value), "seed " + seed);
    }
  }

  /** A buffer smaller than a line: every append past its end flushes, and nothing is lost. */
  @Test
  void smallBufferKeepsEveryByte() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LineWriter out = new LineWriter(bytes, 1);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      String pairs = "a=\"" + "x\u4e2d\"".repeat(i) + "\",";
      out.append(pairs.getBytes(StandardCharsets.UTF_8));
      out.appendDouble(i * 1_000_001.0);
      out.appendAscii(" # ".repeat(i));
      out.append('\n');
      expected
          .append(pairs)
          .append(Collector.doubleToGoString(i * 1_000_001.0))
          .append(" # ".repeat(i))
          .append('\n');
    }
    out.flush();
    assertEquals(expected.toString(), bytes.toString(StandardCharsets.UTF_8));
  }

  private static String written(double value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    LineWriter out = new LineWriter(bytes, 64);
    out.appendDouble(value);
    out.flush();
    return bytes.toString(StandardCharsets.US_ASCII);
  }
}
