package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScrapeHandlerTest {
  /** Only a scrape of every series shows what was pushed last, so only it ends a drain's wait. */
  @ParameterizedTest
  @CsvSource(
      nullValues = "none",
      value = {
        "none, true",
        "'', true",
        "debug=1, true",
        "name[]=gophers_total, false",
        "name%5B%5D=gophers_total, false",
        "name%5b%5d=gophers_total, false",
        "x=1&name[]=a&name[]=b, false",
        "names=1, true",
      })
  void onlyAnUnfilteredScrapeCountsAsWhole(String rawQuery, boolean whole) {
    assertEquals(whole, ScrapeHandler.names(rawQuery).isEmpty());
  }

  @Test
  void namesAreDecodedAsSimpleclientDecodesThem() {
    assertEquals(
        Set.of("a_total", "b c"), ScrapeHandler.names("name%5B%5D=a_total&name[]=b+c&other=x"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"gzip | true", "deflate, GZIP | true", "br,gzip;q=1.0 | false", "identity | false"})
  void gzipIsOfferedAsSimpleclientReadsIt(String acceptEncoding, boolean gzip) {
    assertEquals(gzip, ScrapeHandler.acceptsGzip(List.of(acceptEncoding)));
  }
}
