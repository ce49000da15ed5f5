package com.sluice.examples;

import java.util.HashMap;
import java.util.Map;

/** The examples' command line: "--name value" pairs. */
public final class Flags {
  private final Map<String, String> values = new HashMap<>();

  public Flags(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        throw new IllegalArgumentException("usage: --name value ...; got " + args[i]);
      }
      values.put(args[i].substring(2), args[++i]);
    }
  }

  public String get(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public int getInt(String name, int fallback) {
    String v = values.get(name);
    return v == null ? fallback : Integer.parseInt(v);
  }
}
