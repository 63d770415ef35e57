package dev.weft.executor.spark;

import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.backend.TaskEnvironment;
import dev.weft.executor.process.ChildLauncher;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code spark} executor backend: each attempt is one spark-submit process (a Spark installation's script,
 * or {@code org.apache.spark.deploy.SparkSubmit} in a child JVM with Spark's own classpath). Output is read line
 * by line as it streams: the tracking URL is reported the moment it shows, the application id joins the handle,
 * and the first fatal exception line becomes the failure reason. Cancel and timeout stop the whole process tree:
 * SIGTERM (Spark's shutdown hooks stop the context), SIGKILL after the grace period.
 *
 * <p>Restarts: a Spark job that was running when its executor died is presumed lost; the coordinator starts a
 * new attempt once its heartbeats stop. {@link #findRunning()} finds nothing: a client-mode or local driver is a
 * child of the executor and cannot be re-attached (and {@link #close()} stops them, so none outlives it). On
 * YARN or a standalone cluster in cluster deploy mode the application id in the handle would allow adopting a
 * running application later.
 */
public final class SparkBackend implements ExecutorBackend {
  public static final String NAME = "spark";
  /** How long {@link #close()} and a local timeout let a driver stop by itself before killing it. */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(SparkBackend.class);

  private final SparkBackendConfig config;
  private final Set<SparkAttempt> running = ConcurrentHashMap.newKeySet();
  /** Local timeouts and kill escalation: short tasks, never blocking for long. */
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> {
    Thread t = new Thread(r, "spark-backend-scheduler");
    t.setDaemon(true);
    return t;
  });

  public SparkBackend(SparkBackendConfig config) {
    this.config = config;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean takesAttemptFiles() {
    return true;
  }

  /**
   * Submits the task's application and returns once the spark-submit process runs.
   *
   * @throws LaunchException INVALID_SPEC for a bad {@code spark:} block; LAUNCH_ERROR when spark-submit cannot be
   *     started or the inline jobs jar is not configured
   */
  @Override
  public RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException {
    var id = request.id();
    SparkSpec spec = SparkSpec.parse(request.block())
        .withDefaults(config.defaultMaster(), config.defaultConf())
        .withNameIfAbsent("weft " + request.pipeline() + "/" + id.taskId() + "#" + id.attempt());
    if (spec.master() == null) {
      throw new LaunchException(FailureKind.INVALID_SPEC,
          "spark.master is missing and this spark executor has no default master; set spark.master (e.g. yarn)");
    }
    Path paramsFile = null;
    if (spec.job() != null) {
      if (spec.appResource() == null && config.inlineJobsJar() == null) {
        throw new LaunchException(FailureKind.LAUNCH_ERROR, "spark.job " + spec.job() + " needs the weft-spark-jobs "
            + "jar: configure it on the spark executor, or give a jar with the job in spark.appResource");
      }
      paramsFile = writeParams(request, spec);
      boolean cluster = "cluster".equals(spec.deployMode());
      // In cluster mode the driver runs elsewhere: ship the file with --files, it lands in the driver's cwd.
      String arg = cluster ? paramsFile.getFileName().toString() : paramsFile.toString();
      spec = spec.asInlineSubmit(config.inlineJobsJar(), arg);
      if (cluster) spec = withFile(spec, paramsFile.toString());
    }
    SparkSubmitCommand command = SparkSubmitCommand.of(config.launcher(), spec);
    ProcessBuilder builder = new ProcessBuilder(command.argv()).directory(config.workDir().toFile());
    builder.environment().putAll(config.env());
    // The files are the executor host's: a local or client-mode driver can write them; a cluster-mode driver cannot.
    builder.environment().putAll(request.environment(spec.env()));
    Process process;
    try {
      // A local or client-mode driver is a child of this executor: it must die with it (ChildLauncher).
      process = ChildLauncher.start(builder);
    } catch (IOException e) {
      deleteQuietly(paramsFile);
      throw new LaunchException(FailureKind.LAUNCH_ERROR, "cannot start spark-submit '" + command.argv().get(0)
          + "' in " + config.workDir() + ": " + e.getMessage()
          + "; check SPARK_HOME or the spark executor's launcher configuration", e);
    }
    SparkAttempt attempt = new SparkAttempt(id, process, listener, paramsFile, scheduler, running::remove);
    running.add(attempt);
    attempt.start();
    if (request.timeout() != null) attempt.stopAfter(request.timeout(), STOP_GRACE);
    LOG.info("{}: spark-submit started, {} (master {})", id, attempt.handle(), spec.master());
    return attempt;
  }

  /**
   * Stops every driver this executor started (they are its children and could not be re-attached by a new
   * executor) and waits for them; their listeners get a LOST outcome, and the coordinator retries them.
   */
  @Override
  public void close() {
    List<SparkAttempt> attempts = new ArrayList<>(running);
    for (SparkAttempt a : attempts) {
      a.stop(FailureKind.LOST, "the spark executor shut down while the job ran", STOP_GRACE);
    }
    long deadline = System.nanoTime() + STOP_GRACE.plusSeconds(5).toNanos();
    for (SparkAttempt a : attempts) a.awaitFinished(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    scheduler.shutdownNow();
  }

  private Path writeParams(AttemptRequest request, SparkSpec spec) throws LaunchException {
    Properties props = new Properties();
    props.putAll(spec.params());
    props.setProperty(SparkSpec.JOB_CLASS_PARAM, spec.job());
    props.setProperty("weft.runId", request.id().runId());
    props.setProperty("weft.taskId", request.id().taskId());
    props.setProperty("weft.attempt", Integer.toString(request.id().attempt()));
    if (request.pipeline() != null) props.setProperty("weft.pipeline", request.pipeline());
    Path file = null;
    try {
      // createTempFile makes the file readable by its owner only: params may hold credentials.
      file = Files.createTempFile("weft-spark-params-", ".properties");
      try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        props.store(out, "Weft inline Spark job " + request.id());
      }
      return file;
    } catch (IOException e) {
      deleteQuietly(file);
      throw new LaunchException(FailureKind.LAUNCH_ERROR, "cannot write the params file of inline Spark job "
          + spec.job() + " in " + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
    }
  }

  private static SparkSpec withFile(SparkSpec s, String file) {
    List<String> files = new ArrayList<>(s.files());
    files.add(file);
    return new SparkSpec(s.master(), s.deployMode(), s.name(), s.mainClass(), s.appResource(), s.appArgs(), s.jars(),
        files, s.pyFiles(), s.packages(), s.repositories(), s.conf(), s.propertiesFile(), s.driverMemory(),
        s.driverCores(), s.executorMemory(), s.executorCores(), s.numExecutors(), s.env(), s.job(), s.params());
  }

  static void deleteQuietly(Path file) {
    if (file == null) return;
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", file, e.getMessage());
    }
  }

  /** Test hook: attempts still running. */
  int runningCount() {
    return running.size();
  }

  /** For the runtime's wiring: the config in use. */
  public SparkBackendConfig config() {
    return config;
  }
}
