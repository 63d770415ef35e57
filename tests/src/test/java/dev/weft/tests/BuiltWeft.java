package dev.weft.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The built {@code weft} command: {@code cli/target/weft-cli.jar} and the classpath Maven wrote beside it. */
final class BuiltWeft {
  private BuiltWeft() {}

  /** The classpath the {@code ./weft} launcher runs the CLI on. */
  static String classpath() {
    Path cli = cliTarget();
    Path jar = cli.resolve("weft-cli.jar");
    Path cp = cli.resolve("classpath.txt");
    if (!Files.isRegularFile(jar) || !Files.isRegularFile(cp)) {
      throw new IllegalStateException(jar + " or " + cp + " is missing: build the cli module first (mvn install"
          + " -DskipTests at the repository root, or run the tests with -am)");
    }
    try {
      return jar.toAbsolutePath() + java.io.File.pathSeparator + Files.readString(cp, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code cli/target} of the repository the tests run in (the tests module's parent, or the working directory). */
  private static Path cliTarget() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("cli").resolve("src"))) return d.resolve("cli").resolve("target");
    }
    throw new IllegalStateException("no cli module above " + dir + "; run the tests from the repository");
  }
}
