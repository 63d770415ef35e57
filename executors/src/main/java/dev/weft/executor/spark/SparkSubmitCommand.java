package dev.weft.executor.spark;

import dev.weft.executor.spark.SparkBackendConfig.Launcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A spark-submit command line, built by a pure function from a launcher and a spec (defaults already merged, an
 * inline job already turned into a plain submit). Two halves, as spark-submit reads them: the Spark half
 * (launcher and options) and the application half (application resource and its arguments). Unset fields give no
 * option; each value is one argv element, so values with spaces need no quoting.
 *
 * @param spark launcher and spark-submit options, in a fixed order, {@code --conf} sorted by key
 * @param application the application resource, then its arguments
 */
public record SparkSubmitCommand(List<String> spark, List<String> application) {
  public SparkSubmitCommand {
    spark = List.copyOf(spark);
    application = List.copyOf(application);
  }

  /** The whole command line. */
  public List<String> argv() {
    List<String> all = new ArrayList<>(spark);
    all.addAll(application);
    return List.copyOf(all);
  }

  /** Builds the command for {@code spec}; {@code spec.appResource()} must be set. */
  public static SparkSubmitCommand of(Launcher launcher, SparkSpec spec) {
    if (spec.appResource() == null) throw new IllegalArgumentException("spec has no appResource");
    List<String> s = new ArrayList<>(launcherArgs(launcher, spec));
    option(s, "--master", spec.master());
    option(s, "--deploy-mode", spec.deployMode());
    option(s, "--name", spec.name());
    option(s, "--class", spec.mainClass());
    list(s, "--jars", spec.jars());
    list(s, "--files", spec.files());
    list(s, "--py-files", spec.pyFiles());
    list(s, "--packages", spec.packages());
    list(s, "--repositories", spec.repositories());
    // SparkSpec keeps conf sorted; sort again so this stays deterministic for any map.
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(spec.conf()).entrySet()) {
      s.add("--conf");
      s.add(e.getKey() + "=" + e.getValue());
    }
    option(s, "--properties-file", spec.propertiesFile());
    option(s, "--driver-memory", spec.driverMemory());
    option(s, "--driver-cores", spec.driverCores());
    option(s, "--executor-memory", spec.executorMemory());
    option(s, "--executor-cores", spec.executorCores());
    option(s, "--num-executors", spec.numExecutors());

    List<String> app = new ArrayList<>();
    app.add(spec.appResource());
    app.addAll(spec.appArgs());
    return new SparkSubmitCommand(s, app);
  }

  private static List<String> launcherArgs(Launcher launcher, SparkSpec spec) {
    if (launcher instanceof Launcher.SparkSubmitScript script) return List.of(script.sparkSubmit().toString());
    Launcher.JavaMain java = (Launcher.JavaMain) launcher;
    List<String> args = new ArrayList<>();
    args.add(java.java().toString());
    // Client mode runs the driver in this very JVM, so spark.driver.memory can only apply as its heap; the
    // spark-submit script does the same through spark-class.
    boolean clientMode = spec.deployMode() == null || spec.deployMode().equals("client");
    if (clientMode && spec.driverMemory() != null) args.add("-Xmx" + spec.driverMemory());
    args.addAll(java.jvmOptions());
    args.add("-cp");
    args.add(java.classpath());
    args.add(SparkBackendConfig.SPARK_SUBMIT_CLASS);
    return args;
  }

  private static void option(List<String> args, String name, Object value) {
    if (value == null) return;
    args.add(name);
    args.add(value.toString());
  }

  private static void list(List<String> args, String name, List<String> values) {
    if (values.isEmpty()) return;
    args.add(name);
    args.add(String.join(",", values));
  }
}
