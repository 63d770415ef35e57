package dev.weft.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Command-line arguments: positionals, {@code --name value} options (repeatable), and {@code --flag}s. */
final class Args {
  private final List<String> positionals = new ArrayList<>();
  private final Map<String, List<String>> options = new LinkedHashMap<>();
  private final Set<String> flagNames;

  Args(List<String> argv, Set<String> flagNames) {
    this.flagNames = flagNames;
    for (int i = 0; i < argv.size(); i++) {
      String a = argv.get(i);
      if (a.startsWith("--")) {
        String name = a.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        } else if (!flagNames.contains(name)) {
          if (i + 1 >= argv.size()) throw new UsageException("--" + name + " needs a value");
          value = argv.get(++i);
        }
        options.computeIfAbsent(name, k -> new ArrayList<>()).add(value == null ? "true" : value);
      } else {
        positionals.add(a);
      }
    }
  }

  List<String> positionals() {
    return positionals;
  }

  String positional(int i, String what) {
    if (i >= positionals.size()) throw new UsageException("missing " + what);
    return positionals.get(i);
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  String option(String name, String envVar, String dflt) {
    List<String> v = options.get(name);
    if (v != null) return v.get(v.size() - 1);
    String env = envVar == null ? null : System.getenv(envVar);
    return env != null && !env.isBlank() ? env : dflt;
  }

  int intOption(String name, int dflt) {
    String v = option(name, null, null);
    try {
      return v == null ? dflt : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " takes a whole number, not '" + v + "'");
    }
  }

  /** {@code --param k=v}, repeatable. */
  Map<String, String> params() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : options.getOrDefault("param", List.of())) {
      int eq = p.indexOf('=');
      if (eq <= 0) throw new UsageException("--param takes name=value, not '" + p + "'");
      out.put(p.substring(0, eq), p.substring(eq + 1));
    }
    return out;
  }

  /** Every value of a repeatable option, in order; empty when not given. */
  List<String> options(String name) {
    return List.copyOf(options.getOrDefault(name, List.of()));
  }

  /** Rejects options this command does not know, so a typo is not silently ignored. */
  void allow(Set<String> known) {
    for (String name : options.keySet()) {
      if (!known.contains(name)) throw new UsageException("unknown option --" + name);
    }
  }

  /** A mistake in how the command was called: printed with the usage, exit code 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
