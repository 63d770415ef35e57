package dev.weft.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/** {@code process:} block: a local subprocess, argv exactly as given (no shell unless argv asks for one). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ProcessSpec(List<String> argv, Map<String, String> env, String workdir) {
  public ProcessSpec {
    argv = argv == null ? List.of() : List.copyOf(argv);
    env = env == null ? Map.of() : Map.copyOf(env);
  }
}
