package dev.weft.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --param name=value}, repeatable: values for the pipeline's {@code params}. */
final class PipelineParamsOption {
  @Option(names = "--param", paramLabel = "NAME=VALUE", description = "a pipeline parameter; repeat for more")
  List<String> params = new ArrayList<>();

  Map<String, String> values() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String p : params) {
      int eq = p.indexOf('=');
      if (eq <= 0) throw new UsageException("--param takes name=value, not '" + p + "'");
      out.put(p.substring(0, eq), p.substring(eq + 1));
    }
    return out;
  }
}
