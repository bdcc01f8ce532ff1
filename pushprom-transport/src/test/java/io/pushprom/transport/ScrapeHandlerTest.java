package io.pushprom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    assertEquals(whole, ScrapeHandler.isWhole(rawQuery));
  }
}
