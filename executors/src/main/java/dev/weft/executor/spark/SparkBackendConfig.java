package dev.weft.executor.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * How the {@code spark} executor submits: which launcher, the cluster-wide defaults a task overrides field by
 * field ({@code master}, {@code conf} key by key), environment for every submit, the jar holding
 * {@code dev.weft.spark.InlineJobRunner} for inline jobs, and the working directory of the drivers.
 *
 * @param launcher how spark-submit is started
 * @param defaultMaster master for tasks that name none (null: tasks must name one)
 * @param defaultConf {@code --conf} entries for every task; a task's own entry for the same key wins
 * @param env environment for every submit (a task's {@code env} wins)
 * @param inlineJobsJar the weft-spark-jobs jar (null: inline jobs must bring it in {@code appResource})
 * @param workDir working directory of the spark-submit process and where params files are written
 */
public record SparkBackendConfig(
    Launcher launcher,
    String defaultMaster,
    Map<String, String> defaultConf,
    Map<String, String> env,
    String inlineJobsJar,
    Path workDir) {

  /**
   * The {@code --add-opens} flags Spark's own launcher ({@code JavaModuleOptions}) gives the driver on Java 17;
   * without them Spark fails reflectively on JDK internals (DirectByteBuffer, sun.nio.ch).
   */
  public static final List<String> JAVA17_DRIVER_OPTIONS = List.of(
      "-XX:+IgnoreUnrecognizedVMOptions",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
      "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
      "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED",
      "-Djdk.reflect.useDirectMethodHandle=false");

  /** The Spark main class the {@link Launcher.JavaMain} launcher runs. */
  public static final String SPARK_SUBMIT_CLASS = "org.apache.spark.deploy.SparkSubmit";

  public SparkBackendConfig {
    if (launcher == null) throw new IllegalArgumentException("launcher is required");
    defaultConf = defaultConf == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(defaultConf));
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(env));
    workDir = workDir == null ? Path.of(System.getProperty("user.dir")) : workDir;
  }

  /**
   * For tests and {@code weft dev}: Spark from {@code classpath} in a child JVM of this Java, local master,
   * everything bound to loopback (driver, UI, block manager) so nothing listens on or talks to another address.
   *
   * @param master e.g. {@code local[2]}
   */
  public static SparkBackendConfig local(SparkClasspath classpath, String master, Path workDir) {
    Map<String, String> conf = new TreeMap<>();
    conf.put("spark.driver.host", "127.0.0.1");
    conf.put("spark.driver.bindAddress", "127.0.0.1");
    // The UI stays on: its URL is the task's tracking URL.
    conf.put("spark.ui.enabled", "true");
    // The progress bar rewrites one line with \r and would flood the log tail.
    conf.put("spark.ui.showConsoleProgress", "false");
    return new SparkBackendConfig(Launcher.javaMain(classpath.classpath()), master, conf,
        Map.of("SPARK_LOCAL_IP", "127.0.0.1"), classpath.jobsJar().toString(), workDir);
  }

  /** A config submitting through {@code $SPARK_HOME/bin/spark-submit}, when SPARK_HOME is set and has it. */
  public static Optional<SparkBackendConfig> fromSparkHome(String sparkHome, String defaultMaster, Path workDir) {
    if (sparkHome == null || sparkHome.isBlank()) return Optional.empty();
    Path script = Path.of(sparkHome, "bin", "spark-submit");
    if (!Files.isExecutable(script)) return Optional.empty();
    return Optional.of(new SparkBackendConfig(new Launcher.SparkSubmitScript(script), defaultMaster, Map.of(),
        Map.of("SPARK_HOME", sparkHome), null, workDir));
  }

  /**
   * What {@code weft dev} uses: a Spark installation when {@code SPARK_HOME} has spark-submit, else Spark's jars
   * from {@link SparkClasspath} (local masters only, on loopback), else nothing (no spark executor).
   *
   * @param master the default master, e.g. {@code local[*]}
   */
  public static Optional<SparkBackendConfig> detect(String master, Path workDir) {
    Optional<SparkClasspath> jars = SparkClasspath.locate();
    Optional<SparkBackendConfig> installed = fromSparkHome(System.getenv("SPARK_HOME"), master, workDir);
    if (installed.isPresent()) {
      SparkBackendConfig config = installed.get();
      return Optional.of(jars.map(cp -> config.withInlineJobsJar(cp.jobsJar().toString())).orElse(config));
    }
    return jars.map(cp -> local(cp, master, workDir));
  }

  public SparkBackendConfig withDefaultConf(Map<String, String> conf) {
    Map<String, String> merged = new TreeMap<>(defaultConf);
    merged.putAll(conf);
    return new SparkBackendConfig(launcher, defaultMaster, merged, env, inlineJobsJar, workDir);
  }

  public SparkBackendConfig withInlineJobsJar(String jar) {
    return new SparkBackendConfig(launcher, defaultMaster, defaultConf, env, jar, workDir);
  }

  /** How the spark-submit process is started: the launcher half of the command line. */
  public sealed interface Launcher {
    /** A {@code spark-submit} script of a Spark installation (what clusters use). */
    record SparkSubmitScript(Path sparkSubmit) implements Launcher {}

    /**
     * {@code java <options> -cp <classpath> org.apache.spark.deploy.SparkSubmit}: Spark from jars, no
     * installation. In client mode this JVM is the driver, so {@code driverMemory} becomes its {@code -Xmx}.
     */
    record JavaMain(Path java, List<String> jvmOptions, String classpath) implements Launcher {
      public JavaMain {
        jvmOptions = List.copyOf(jvmOptions);
      }
    }

    /** {@link JavaMain} with this JVM's java binary and {@link #JAVA17_DRIVER_OPTIONS}. */
    static Launcher javaMain(String classpath) {
      return new JavaMain(Path.of(System.getProperty("java.home"), "bin", "java"), JAVA17_DRIVER_OPTIONS, classpath);
    }
  }
}
