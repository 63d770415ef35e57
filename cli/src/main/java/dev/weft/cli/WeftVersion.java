package dev.weft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** The version {@code weft --version} and {@code weft version} print: the Maven project's, filtered in at build time. */
final class WeftVersion implements CommandLine.IVersionProvider {
  private static final String RESOURCE = "version.properties";

  @Override
  public String[] getVersion() {
    return new String[] {"weft " + version()};
  }

  static String version() {
    Properties p = new Properties();
    try (InputStream in = WeftVersion.class.getResourceAsStream(RESOURCE)) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // Fall through to "unknown": a version line is not worth failing a command for.
    }
    String v = p.getProperty("version");
    // Unfiltered (run from an IDE without Maven's resource processing): say so rather than print the placeholder.
    return v == null || v.startsWith("${") ? "unknown" : v;
  }
}
