package dev.weft.cli;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.batch.BatchBackend;
import dev.weft.executor.batch.BatchSettings;
import dev.weft.executor.container.ContainerBackend;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.executor.spark.SparkBackend;
import dev.weft.executor.spark.SparkBackendConfig;
import dev.weft.executor.spark.SparkClasspath;
import dev.weft.serde.WeftSerdes;
import dev.weft.topics.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The service entry points for a real deployment: {@code weft coordinator} (one instance of the coordinator; run
 * several with the same application id to scale out) and {@code weft executor NAME} (one member of that executor's
 * consumer group; add instances to scale).
 */
final class ServiceCommands {
  static final Set<String> COORDINATOR_OPTIONS = Endpoints.optionsWith("state-dir", "api-port", "application-id", "threads", "commit-interval-ms");
  static final Set<String> EXECUTOR_OPTIONS = Endpoints.optionsWith("instance-id", "max-concurrent", "workdir", "state-dir", "spark-master", "spark-home", "job-queue");

  private ServiceCommands() {}

  static int coordinator(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(COORDINATOR_OPTIONS);
    Endpoints e = Endpoints.from(a);
    CoordinatorConfig c = CoordinatorConfig.defaults(e.bootstrap(), Path.of(a.option("state-dir", null, ".weft/coordinator")))
        .withApiPort(a.intOption("api-port", 7070))
        .withApplicationId(a.option("application-id", "WEFT_APPLICATION_ID", "weft-coordinator"))
        .withCommitIntervalMs(a.intOption("commit-interval-ms", (int) CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS));
    Coordinator coordinator = Coordinator.start(c, new WeftSerdes(e.registry()), Duration.ofMinutes(5));
    err.println("weft: coordinator running; API on port " + coordinator.apiPort());
    return untilStopped(coordinator, err);
  }

  static int executor(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(EXECUTOR_OPTIONS);
    String name = a.positional(0, "the executor name (process, noop, container, spark, batch)");
    Endpoints e = Endpoints.from(a);
    Path workdir = Path.of(a.option("workdir", null, ".")).toAbsolutePath();
    ExecutorBackend backend = switch (name) {
      case "process" -> new ProcessBackend(workdir, Path.of(a.option("state-dir", null, ".weft/process-executor")));
      case "noop" -> new NoopBackend();
      case "container" -> new ContainerBackend();
      case "spark" -> sparkBackend(a, workdir);
      case "batch" -> new BatchBackend(BatchSettings.defaults(a.option("job-queue", "WEFT_BATCH_JOB_QUEUE", null),
          a.option("instance-id", "WEFT_INSTANCE_ID", null)));
      default -> throw new Args.UsageException("unknown executor '" + name + "'; one of process, noop, container, spark, batch");
    };
    WeftSerdes serdes = new WeftSerdes(e.registry());
    ExecutorConfig.Builder config = ExecutorConfig.builder(e.bootstrap(), serdes.taskCommand(), serdes.taskEvent())
        .topics(Topics.DEFAULT).maxConcurrent(a.intOption("max-concurrent", ExecutorConfig.DEFAULT_MAX_CONCURRENT));
    String id = a.option("instance-id", "WEFT_INSTANCE_ID", null);
    if (id != null) config.instanceId(id);
    // Batch jobs run in AWS, not in this process: a stopping instance with a stable id leaves them to its successor.
    if (backend instanceof BatchBackend batch && batch.adoptsAfterRestart()) config.cancelRunningOnClose(false);
    ExecutorRuntime runtime = new ExecutorRuntime(config.build(), backend);
    runtime.start();
    err.println("weft: " + name + " executor running in group " + runtime.groupId());
    return untilStopped(runtime, err);
  }

  private static ExecutorBackend sparkBackend(Args a, Path workdir) {
    String master = a.option("spark-master", "WEFT_SPARK_MASTER", "local[2]");
    String home = a.option("spark-home", "SPARK_HOME", null);
    if (home != null) {
      SparkBackendConfig installed = SparkBackendConfig.fromSparkHome(home, master, workdir).orElseThrow(
          () -> new Args.UsageException("no executable bin/spark-submit under --spark-home " + home));
      // Inline jobs need Weft's runner jar next to the user's spark-submit, when this build has one.
      return new SparkBackend(SparkClasspath.locate().map(cp -> installed.withInlineJobsJar(cp.jobsJar().toString()))
          .orElse(installed));
    }
    return new SparkBackend(SparkBackendConfig.detect(master, workdir).orElseThrow(() -> new Args.UsageException(
        "no Spark found: set SPARK_HOME or --spark-home, or build Weft with `mvn install` to get Spark's jars")));
  }

  /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes the service. */
  static int untilStopped(AutoCloseable service, PrintStream err) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        service.close();
      } catch (Exception ex) {
        err.println("weft: while stopping: " + ex.getMessage());
      }
      stopped.countDown();
    }));
    stopped.await();
    return Weft.OK;
  }
}
