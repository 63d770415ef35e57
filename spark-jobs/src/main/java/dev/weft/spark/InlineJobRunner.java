package dev.weft.spark;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;

/**
 * The main class spark-submit runs for an inline job. Its single argument is a properties file (UTF-8) written by
 * the Weft Spark executor: {@value #JOB_CLASS_KEY} names the {@link SparkJob} class, every other entry is a job
 * parameter. Exits 0 when the job returns, 1 when it throws (after printing the exception), 2 on bad usage.
 */
public final class InlineJobRunner {
  /** The entry of the params file that names the job class; it is not passed to the job. */
  public static final String JOB_CLASS_KEY = "weft.job.class";

  /** Printed once the session is up, so the executor learns the application id of any master. */
  public static final String APP_ID_PREFIX = "weft-spark: application id ";

  private InlineJobRunner() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: InlineJobRunner <params.properties> (written by the Weft spark executor)");
      System.exit(2);
    }
    int exit;
    try {
      run(Path.of(args[0]));
      exit = 0;
    } catch (Throwable t) {
      // The same line shape as an uncaught exception, so the executor reports an inline job's failure exactly
      // like a plain main class's: the first line names the exception and its message.
      System.err.print("Exception in thread \"main\" ");
      t.printStackTrace(System.err);
      exit = 1;
    }
    System.out.flush();
    System.err.flush();
    // Exit explicitly: threads a job leaves behind (pools, clients) must not keep a finished driver alive.
    System.exit(exit);
  }

  static void run(Path paramsFile) throws Exception {
    Map<String, String> params = readParams(paramsFile);
    String className = params.remove(JOB_CLASS_KEY);
    if (className == null || className.isBlank()) {
      throw new IllegalArgumentException("params file " + paramsFile + " has no " + JOB_CLASS_KEY + " entry");
    }
    SparkJob job = instantiate(className);
    // master, app name and conf come from spark-submit through system properties; nothing is set here.
    SparkSession spark = SparkSession.builder().getOrCreate();
    try {
      System.out.println(APP_ID_PREFIX + spark.sparkContext().applicationId());
      System.out.flush();
      job.run(spark, params);
    } finally {
      spark.stop();
    }
  }

  /** Reads the params file: a UTF-8 {@link Properties} file, returned sorted by key. */
  public static Map<String, String> readParams(Path file) throws IOException {
    Properties props = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      props.load(in);
    }
    Map<String, String> params = new TreeMap<>();
    for (String name : props.stringPropertyNames()) params.put(name, props.getProperty(name));
    return params;
  }

  static SparkJob instantiate(String className) throws ReflectiveOperationException {
    // spark-submit puts the application jar and --jars on the context class loader, not the system one.
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    Class<?> type;
    try {
      type = Class.forName(className, true, loader);
    } catch (ClassNotFoundException e) {
      throw new ClassNotFoundException("job class " + className + " is not in the application jar or --jars; "
          + "check spark.job and spark.appResource/spark.jars", e);
    }
    if (!SparkJob.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("job class " + className + " does not implement " + SparkJob.class.getName());
    }
    return (SparkJob) type.getDeclaredConstructor().newInstance();
  }
}
