package dev.weft.executor.spark;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Spark's jars for running {@code org.apache.spark.deploy.SparkSubmit} in a child JVM without a Spark
 * installation (tests, {@code weft dev}).
 *
 * <p>The weft-spark-jobs build writes Spark's runtime classpath into its jar as {@value #RESOURCE}; that jar is
 * a runtime dependency of this module, and Spark itself is "provided" there, so Spark never lands on a Weft
 * classpath while its classpath file does. The Spark classpath is that list plus the weft-spark-jobs jar
 * itself (for {@code InlineJobRunner}).
 */
public record SparkClasspath(String classpath, Path jobsJar) {
  /** Where the weft-spark-jobs jar carries Spark's classpath. */
  public static final String RESOURCE = "META-INF/weft/spark-classpath.txt";

  /**
   * Finds Spark's classpath on this machine.
   *
   * @return empty when weft-spark-jobs is not on the classpath, or when a listed jar is gone (the local Maven
   *     repository changed since the build): then rebuild with {@code mvn -pl spark-jobs install}
   */
  public static Optional<SparkClasspath> locate() {
    try {
      return Optional.of(require());
    } catch (IllegalStateException e) {
      return Optional.empty();
    }
  }

  /**
   * Like {@link #locate()}, with the reason when Spark cannot be found.
   *
   * @throws IllegalStateException saying what is missing and how to get it
   */
  public static SparkClasspath require() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) loader = SparkClasspath.class.getClassLoader();
    URL url = loader.getResource(RESOURCE);
    if (url == null) {
      throw new IllegalStateException(RESOURCE + " not found: dev.weft:weft-spark-jobs is not on the classpath; "
          + "build it with 'mvn -pl spark-jobs install' or configure SPARK_HOME");
    }
    String text;
    try (InputStream in = url.openStream()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + url + ": " + e.getMessage(), e);
    }
    Path jobsJar = containerOf(url);
    refuseFatJar(jobsJar);
    List<String> entries = new ArrayList<>();
    for (String entry : text.split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) continue;
      if (!Files.exists(Path.of(entry))) {
        throw new IllegalStateException("Spark classpath entry " + entry + " (listed in " + url + ") does not exist; "
            + "rebuild with 'mvn -pl spark-jobs install' to resolve Spark again");
      }
      entries.add(entry);
    }
    if (entries.isEmpty()) throw new IllegalStateException(url + " lists no jars");
    entries.add(jobsJar.toString());
    return new SparkClasspath(String.join(java.io.File.pathSeparator, entries), jobsJar);
  }

  /**
   * A jar that also holds Weft itself (weft-spark-jobs shaded into an application jar) would put Weft's Kafka and
   * Jackson 2.19 onto Spark's classpath, which Spark's Jackson 2.15 does not survive.
   */
  private static void refuseFatJar(Path container) {
    String weftClass = "dev/weft/executor/spark/SparkClasspath.class";
    boolean fat;
    if (Files.isDirectory(container)) {
      fat = Files.exists(container.resolve(weftClass));
    } else {
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(container.toFile())) {
        fat = jar.getEntry(weftClass) != null;
      } catch (IOException e) {
        throw new IllegalStateException("cannot open " + container + ": " + e.getMessage(), e);
      }
    }
    if (fat) {
      throw new IllegalStateException(container + " bundles weft-spark-jobs with Weft itself; Spark needs the "
          + "weft-spark-jobs jar on its own: keep it a separate jar on the classpath, or configure SPARK_HOME");
    }
  }

  /** The jar (or classes directory, when run from a reactor build) that holds {@code url}. */
  private static Path containerOf(URL url) {
    try {
      String s = url.toString();
      if (s.startsWith("jar:")) {
        return Path.of(new java.net.URI(s.substring("jar:".length(), s.indexOf("!/"))));
      }
      Path file = Path.of(url.toURI());
      // .../classes/META-INF/weft/spark-classpath.txt -> .../classes
      return file.getParent().getParent().getParent();
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot tell which jar holds " + url + ": " + e.getMessage(), e);
    }
  }
}
