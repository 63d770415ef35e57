package dev.weft.executor.spark;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.LaunchException;
import dev.weft.spec.SpecJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A task's {@code spark:} block: the spark-submit options, field for field, and for inline jobs {@code job} (a
 * {@code dev.weft.spark.SparkJob} class) with its {@code params}.
 *
 * <pre>{@code
 * spark:
 *   master: yarn                   # default from the executor's configuration
 *   deployMode: cluster
 *   mainClass: com.example.Etl
 *   appResource: hdfs:///jobs/etl.jar
 *   appArgs: ["--date", "${date}"]
 *   conf: {spark.sql.shuffle.partitions: "64"}
 *   env: {HADOOP_CONF_DIR: /etc/hadoop/conf}
 * # or, inline:
 *   job: dev.weft.spark.examples.RevenueByCustomer
 *   params: {input: /data/orders.csv, output: /data/revenue}
 * }</pre>
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record SparkSpec(
    String master,
    String deployMode,
    String name,
    String mainClass,
    String appResource,
    List<String> appArgs,
    List<String> jars,
    List<String> files,
    List<String> pyFiles,
    List<String> packages,
    List<String> repositories,
    Map<String, String> conf,
    String propertiesFile,
    String driverMemory,
    Integer driverCores,
    String executorMemory,
    Integer executorCores,
    Integer numExecutors,
    Map<String, String> env,
    String job,
    Map<String, String> params) {

  /** The main class spark-submit runs for an inline {@code job}; it lives in the weft-spark-jobs jar. */
  public static final String INLINE_RUNNER_CLASS = "dev.weft.spark.InlineJobRunner";
  /** Params-file entry naming the job class (must match {@code InlineJobRunner.JOB_CLASS_KEY}). */
  public static final String JOB_CLASS_PARAM = "weft.job.class";
  /** Params under this prefix are set by Weft (run id, task id, attempt, pipeline) and cannot be given. */
  public static final String RESERVED_PARAM_PREFIX = "weft.";

  public SparkSpec {
    appArgs = copy(appArgs);
    jars = copy(jars);
    files = copy(files);
    pyFiles = copy(pyFiles);
    packages = copy(packages);
    repositories = copy(repositories);
    // Sorted maps: the command line and the params file come out the same for the same spec.
    conf = conf == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(conf));
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(env));
    params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(params));
  }

  /**
   * Reads and checks a {@code spark:} block.
   *
   * @throws LaunchException INVALID_SPEC naming the unknown or wrong field, or the rule broken
   */
  public static SparkSpec parse(JsonNode block) throws LaunchException {
    if (block == null || block.isNull() || block.isMissingNode()) {
      throw invalid("the task has executor: spark but no spark: block; add one with mainClass + appResource or job");
    }
    if (!block.isObject()) throw invalid("spark: must be an object, got " + block.getNodeType());
    SparkSpec spec;
    try {
      spec = SpecJson.MAPPER.treeToValue(block, SparkSpec.class);
    } catch (UnrecognizedPropertyException e) {
      throw invalid("spark." + e.getPropertyName() + " is not a spark field; known fields: " + e.getKnownPropertyIds());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw invalid("spark." + fieldPath(e) + ": " + e.getOriginalMessage());
    }
    spec.validate();
    return spec;
  }

  private void validate() throws LaunchException {
    if (job != null) {
      if (mainClass != null) {
        throw invalid("spark.job and spark.mainClass exclude each other: job runs through " + INLINE_RUNNER_CLASS);
      }
      if (!appArgs.isEmpty()) throw invalid("spark.appArgs cannot be used with spark.job; pass values in spark.params");
      for (String key : params.keySet()) {
        if (key.startsWith(RESERVED_PARAM_PREFIX)) {
          throw invalid(
              "spark.params." + key + ": names starting with '" + RESERVED_PARAM_PREFIX + "' are set by Weft");
        }
      }
    } else {
      if (appResource == null || appResource.isBlank()) {
        throw invalid("spark.appResource is missing: give the application jar or Python file (or use spark.job)");
      }
      if (!params.isEmpty()) throw invalid("spark.params is only for inline jobs (spark.job); use spark.appArgs");
    }
    if (deployMode != null && !deployMode.equals("client") && !deployMode.equals("cluster")) {
      throw invalid("spark.deployMode must be client or cluster, got '" + deployMode + "'");
    }
    positive("driverCores", driverCores);
    positive("executorCores", executorCores);
    positive("numExecutors", numExecutors);
    for (String key : conf.keySet()) {
      if (key.isBlank() || key.contains("=")) throw invalid("spark.conf key '" + key + "' is empty or contains '='");
    }
  }

  /** This spec with the executor's cluster-wide defaults filled in: the task's fields win, conf key by key. */
  public SparkSpec withDefaults(String defaultMaster, Map<String, String> defaultConf) {
    Map<String, String> mergedConf = new TreeMap<>(defaultConf == null ? Map.of() : defaultConf);
    mergedConf.putAll(conf);
    return new SparkSpec(master != null ? master : defaultMaster, deployMode, name, mainClass, appResource, appArgs,
        jars, files, pyFiles, packages, repositories, mergedConf, propertiesFile, driverMemory, driverCores,
        executorMemory, executorCores, numExecutors, env, job, params);
  }

  /**
   * The plain submit an inline job turns into: {@link #INLINE_RUNNER_CLASS} from {@code jobsJar} (or from the
   * task's own {@code appResource}, with {@code jobsJar} added to {@code jars}), the params file as only argument.
   */
  public SparkSpec asInlineSubmit(String jobsJar, String paramsFile) {
    String resource = appResource;
    List<String> allJars = new ArrayList<>(jars);
    if (resource == null) {
      resource = jobsJar;
    } else if (jobsJar != null && !allJars.contains(jobsJar)) {
      allJars.add(jobsJar);
    }
    return new SparkSpec(master, deployMode, name, INLINE_RUNNER_CLASS, resource, List.of(paramsFile), allJars,
        files, pyFiles, packages, repositories, conf, propertiesFile, driverMemory, driverCores, executorMemory,
        executorCores, numExecutors, env, null, Map.of());
  }

  /** This spec with {@code name} set, when it has none. */
  public SparkSpec withNameIfAbsent(String defaultName) {
    if (name != null) return this;
    return new SparkSpec(master, deployMode, defaultName, mainClass, appResource, appArgs, jars, files, pyFiles,
        packages, repositories, conf, propertiesFile, driverMemory, driverCores, executorMemory, executorCores,
        numExecutors, env, job, params);
  }

  private static void positive(String field, Integer value) throws LaunchException {
    if (value != null && value <= 0) throw invalid("spark." + field + " must be positive, got " + value);
  }

  private static String fieldPath(com.fasterxml.jackson.core.JsonProcessingException e) {
    if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
      StringBuilder path = new StringBuilder();
      for (var ref : m.getPath()) {
        if (ref.getFieldName() != null) {
          if (path.length() > 0) path.append('.');
          path.append(ref.getFieldName());
        } else if (ref.getIndex() >= 0) {
          path.append('[').append(ref.getIndex()).append(']');
        }
      }
      return path.toString();
    }
    return "?";
  }

  private static List<String> copy(List<String> list) {
    return list == null ? List.of() : List.copyOf(list);
  }

  private static LaunchException invalid(String message) {
    return new LaunchException(FailureKind.INVALID_SPEC, message);
  }
}
