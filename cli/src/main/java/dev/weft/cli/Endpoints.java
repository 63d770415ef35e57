package dev.weft.cli;

import java.util.Set;

/**
 * Where a command finds Weft: the broker, the schema registry and the coordinator's API. Defaults are what
 * {@code weft dev} starts; {@code --bootstrap}/{@code WEFT_BOOTSTRAP}, {@code --registry}/{@code WEFT_REGISTRY} and
 * {@code --api}/{@code WEFT_API} point elsewhere.
 */
record Endpoints(String bootstrap, String registry, String api) {
  static final Set<String> OPTIONS = Set.of("bootstrap", "registry", "api");

  /** The endpoint options plus a command's own: the set a command passes to {@link Args#allow}. */
  static Set<String> optionsWith(String... own) {
    Set<String> all = new java.util.HashSet<>(OPTIONS);
    all.addAll(Set.of(own));
    return Set.copyOf(all);
  }

  static Endpoints from(Args a) {
    return new Endpoints(
        a.option("bootstrap", "WEFT_BOOTSTRAP", "localhost:9092"),
        a.option("registry", "WEFT_REGISTRY", "http://localhost:8081/apis/ccompat/v7"),
        a.option("api", "WEFT_API", "http://localhost:7070"));
  }
}
