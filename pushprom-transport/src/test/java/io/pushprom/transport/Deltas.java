package io.pushprom.transport;

/** Deltas as the JSON the clients send. */
final class Deltas {
  private Deltas() {}

  /** JSON written with single quotes, which Java strings carry without escapes. */
  static String json(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  /** An {@code inc} of the counter {@code name}, without labels. */
  static String inc(String name) {
    return json("{'type':'counter','name':'" + name + "','method':'inc'}");
  }
}
