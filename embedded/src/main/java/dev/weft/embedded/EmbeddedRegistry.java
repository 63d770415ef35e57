package dev.weft.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The real Apicurio Registry (its ready-to-run Quarkus bundle from Maven Central) as a child process, serving the
 * Confluent Schema Registry API at {@link #url()}. Apicurio rather than Confluent's registry because Confluent's is not
 * on Maven Central, the only Java registry this project can fetch from.
 *
 * <p>Its storage is an H2 database file in the data directory, not the bundle's in-memory default: schema ids are
 * written into every record in the log, so they must survive a restart of the embedded stack.
 */
public final class EmbeddedRegistry implements AutoCloseable {
  public static final String APICURIO_VERSION = "2.6.13.Final";
  private static final String BUNDLE = "apicurio-registry-app-" + APICURIO_VERSION + "-all.tar.gz";
  /**
   * Generous, like the broker's: it answers in 7 to 8 s on a quiet machine, but on a shared two-core machine at load
   * average 30 Quarkus printed its banner only after 60 s, and 90 s was not enough.
   */
  private static final long READY_TIMEOUT_MS = 180_000;
  /** How many ports a start on a port of its own choosing tries before it gives up. */
  private static final int PORT_CHOICES = 3;

  private final Path dataDir;
  private final int port;
  private final Path runnerJar;
  private ChildJvm registry;

  private EmbeddedRegistry(Path dataDir, int port, Path runnerJar) {
    this.dataDir = dataDir;
    this.port = port;
    this.runnerJar = runnerJar;
  }

  /**
   * Starts the registry on {@code dataDir} (unpacking the bundle into the cache on first use) and waits until its
   * Confluent-compatible API answers.
   *
   * @param port on 127.0.0.1; 0 picks a free one, and another if a process takes it before the registry binds it
   * @throws IllegalStateException when the bundle is missing, or the registry does not answer within 180 s
   */
  public static EmbeddedRegistry start(Path dataDir, int port) {
    return port == 0 ? start(dataDir, Ports::free) : start(dataDir, () -> port, 1);
  }

  /**
   * Starts the registry on a port of {@code choosePort}, choosing again when another process holds the one chosen, at
   * the check before the start or by the time the registry binds it (a CI run lost its registry's port between the
   * two, 2026-12-03).
   */
  static EmbeddedRegistry start(Path dataDir, IntSupplier choosePort) {
    return start(dataDir, choosePort, PORT_CHOICES);
  }

  private static EmbeddedRegistry start(Path dataDir, IntSupplier choosePort, int choices) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not create the registry's data directory " + dataDir, e);
    }
    Path runnerJar = unpackedRunnerJar();
    for (int choice = 1; ; choice++) {
      EmbeddedRegistry r = new EmbeddedRegistry(dataDir.toAbsolutePath(), choosePort.getAsInt(), runnerJar);
      try {
        r.launch();
        return r;
      } catch (Ports.PortInUseException e) {
        if (choice >= choices) throw e;
      }
    }
  }

  /** The Confluent-compatible API, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}. */
  public String url() {
    return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
  }

  public int port() {
    return port;
  }

  public Path logFile() {
    return dataDir.resolve("registry.log");
  }

  public boolean isRunning() {
    return registry != null && registry.isAlive();
  }

  /** Stops the registry cleanly, so H2 closes its file. Idempotent. */
  @Override
  public void close() {
    if (registry != null) {
      registry.stop(30_000);
      registry = null;
    }
  }

  /** Stops the registry if it runs, then starts it again on the same data directory and port. */
  public void restart() {
    close();
    launch();
  }

  private void launch() {
    Ports.requireFree(port, "the embedded schema registry");
    List<String> jvmArgs = List.of(
        "-Xmx512m",
        // Quarkus reads these as system properties; they must precede the main class (with -jar, precede -jar).
        "-Dquarkus.http.port=" + port,
        "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.log.level=WARN",
        "-Dquarkus.log.category.\"io.apicurio\".level=WARN",
        "-Djava.awt.headless=true");
    String classpath = runnerJar + java.io.File.pathSeparator + watchdogClasspath();
    registry = ChildJvm.launch("schema-registry", jvmArgs, classpath, mainClassOf(runnerJar), List.of(),
        Map.of("REGISTRY_DATASOURCE_URL", "jdbc:h2:file:" + dataDir.resolve("registry")), logFile());
    awaitReady();
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(Duration.ofSeconds(5))
        .GET().build();
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    String last = "no answer yet";
    while (System.currentTimeMillis() < deadline) {
      if (!registry.isAlive()) {
        ChildJvm dead = registry;
        close();
        // Our registry is gone, so a process holding its port now took the port after the check in launch().
        if (!Ports.isFree(port)) throw new Ports.PortInUseException(port, "the embedded schema registry");
        throw new IllegalStateException("the schema registry on " + dataDir + " exited during startup. "
            + dead.logFile() + " ends with:\n" + dead.tail(40));
      }
      try {
        HttpResponse<String> resp = http.send(probe, HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() == 200) return;
        last = "HTTP " + resp.statusCode() + ": " + resp.body();
      } catch (IOException e) {
        last = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for the schema registry", e);
      }
      EmbeddedKafka.sleepQuietly(200);
    }
    String tail = registry.tail(40);
    close();
    throw new IllegalStateException("the schema registry did not answer GET " + url() + "/subjects within "
        + READY_TIMEOUT_MS / 1000 + " s (last: " + last + "). " + logFile() + " ends with:\n" + tail);
  }

  /** The bundle's tarball: system property {@code weft.registry.bundle}, else the local Maven repository. */
  static Path bundle() {
    String explicit = System.getProperty("weft.registry.bundle");
    if (explicit != null) return Paths.get(explicit);
    String repo = System.getProperty("maven.repo.local");
    Path m2 = repo != null ? Paths.get(repo) : Paths.get(System.getProperty("user.home"), ".m2", "repository");
    return m2.resolve(Paths.get("io", "apicurio", "apicurio-registry-app", APICURIO_VERSION, BUNDLE));
  }

  static Path cacheDir() {
    String explicit = System.getProperty("weft.cache.dir");
    return explicit != null ? Paths.get(explicit) : Paths.get(System.getProperty("user.home"), ".weft", "cache");
  }

  /**
   * Unpacks the bundle once into the cache; later starts reuse it. Unpacks into a private directory and renames it
   * into place, so two JVMs starting at once never see a half-unpacked bundle.
   */
  static synchronized Path unpackedRunnerJar() {
    Path target = cacheDir().resolve("apicurio-" + APICURIO_VERSION.replace(".Final", ""));
    Path found = findRunnerJar(target);
    if (found != null) return found;
    Path bundle = bundle();
    if (!Files.isRegularFile(bundle)) {
      throw new IllegalStateException("the schema registry bundle is missing: " + bundle + " does not exist. Run"
          + " `mvn -q install -DskipTests` once at the repository root to download it (module weft-embedded fetches"
          + " io.apicurio:apicurio-registry-app:" + APICURIO_VERSION + ":tar.gz:all), or point -Dweft.registry.bundle"
          + " at the tarball");
    }
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    try {
      Files.createDirectories(tmp);
      Process tar = new ProcessBuilder("tar", "-xzf", bundle.toString(), "-C", tmp.toString())
          .redirectErrorStream(true).start();
      String out;
      try (InputStream in = tar.getInputStream()) {
        out = new String(in.readAllBytes());
      }
      if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
        throw new IllegalStateException("could not unpack " + bundle + " into " + tmp + " with tar: " + out
            + ". Is the file complete? Delete it and run `mvn -q install -DskipTests` to download it again");
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
        // Another JVM finished first; its copy is as good as ours.
        deleteTree(tmp);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not unpack the schema registry bundle " + bundle + " into " + target
          + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while unpacking " + bundle, e);
    }
    found = findRunnerJar(target);
    if (found == null) {
      throw new IllegalStateException("no *-runner.jar in " + target + " after unpacking " + bundle
          + "; delete " + target + " and try again");
    }
    return found;
  }

  private static Path findRunnerJar(Path dir) {
    if (!Files.isDirectory(dir)) return null;
    try (Stream<Path> s = Files.walk(dir, 3)) {
      return s.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst().orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private static String mainClassOf(Path jar) {
    try (JarFile j = new JarFile(jar.toFile())) {
      String main = j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Main-Class");
      if (main == null) throw new IllegalStateException(jar + " has no Main-Class in its manifest");
      return main;
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the manifest of " + jar, e);
    }
  }

  /**
   * A directory holding only {@link ParentWatchdog}'s class file: the registry runs with its own jars plus this, not
   * with our whole classpath, whose Kafka and Jackson versions would clash with its own.
   */
  private static String watchdogClasspath() {
    String rel = ParentWatchdog.class.getName().replace('.', '/') + ".class";
    Path dir = cacheDir().resolve("watchdog");
    Path file = dir.resolve(rel);
    try (InputStream in = ParentWatchdog.class.getClassLoader().getResourceAsStream(rel)) {
      if (in == null) throw new IllegalStateException(rel + " is not on the classpath");
      byte[] bytes = in.readAllBytes();
      if (!Files.exists(file) || !java.util.Arrays.equals(Files.readAllBytes(file), bytes)) {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), "watchdog", ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the child-process watchdog into " + dir, e);
    }
    return dir.toString();
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
