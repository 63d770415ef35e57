package dev.weft.coordinator.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Every released version of a stored value's schema, oldest first: {@code schemas/<Type>-v<N>.avsc} beside this
 * class, N from 1. The coordinator writes the latest version and reads any of them, resolving it against the
 * current class (Avro's schema resolution: added fields take their defaults), so that a store or changelog written
 * by an older Weft stays readable after an upgrade. Zeebe never changes a released event's meaning for the same
 * reason.
 *
 * <p>Changing {@code src/main/avro/<Type>.avsc} means adding its next version here: the serde refuses to start
 * while the latest released version is not the schema the code was generated from.
 */
final class StateSchemas {
  private StateSchemas() {}

  /** @return the released versions of {@code type}'s schema; element {@code i} is version {@code i + 1} */
  static List<Schema> versions(Class<?> type, Schema current) {
    List<Schema> out = new ArrayList<>();
    for (int v = 1; ; v++) {
      String resource = "schemas/" + type.getSimpleName() + "-v" + v + ".avsc";
      try (InputStream in = StateSchemas.class.getResourceAsStream(resource)) {
        if (in == null) break;
        out.add(new Schema.Parser().parse(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the state schema " + resource, e);
      }
    }
    if (out.isEmpty() || !sameShape(out.get(out.size() - 1), current)) {
      throw new IllegalStateException("the stored schema of " + type.getSimpleName() + " changed without a new "
          + "version: copy src/main/avro/" + type.getSimpleName() + ".avsc to src/main/resources/"
          + StateSchemas.class.getPackageName().replace('.', '/') + "/schemas/" + type.getSimpleName() + "-v"
          + (out.size() + 1) + ".avsc (never edit a released version: stores and changelogs hold it)");
    }
    return out;
  }

  /**
   * Same names, types and field order (Avro's parsing canonical form): what decides whether bytes written with one
   * read with the other. The generated class's schema carries Java-only properties that the file does not.
   */
  private static boolean sameShape(Schema a, Schema b) {
    return SchemaNormalization.parsingFingerprint64(a) == SchemaNormalization.parsingFingerprint64(b);
  }
}
