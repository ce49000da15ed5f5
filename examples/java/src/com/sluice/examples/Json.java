package com.sluice.examples;

import com.google.gson.Gson;
import java.util.LinkedHashMap;
import java.util.Map;

/** Prints one JSON object per line, as the other languages' examples do. */
final class Json {
  private static final Gson GSON = new Gson();

  private Json() {}

  /** Prints the object made of alternating keys and values. */
  static void print(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    synchronized (System.out) {
      System.out.println(GSON.toJson(m));
      System.out.flush();
    }
  }
}
