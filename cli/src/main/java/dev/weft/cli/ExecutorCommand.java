package dev.weft.cli;

import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.devstack.ExecutorInstance;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.batch.BatchBackend;
import dev.weft.executor.batch.BatchSettings;
import dev.weft.executor.container.ContainerBackend;
import dev.weft.executor.noop.NoopBackend;
import dev.weft.executor.policy.ExecutorPolicy;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.executor.spark.SparkBackend;
import dev.weft.executor.spark.SparkBackendConfig;
import dev.weft.executor.spark.SparkClasspath;
import dev.weft.serde.WeftSerdes;
import dev.weft.telemetry.MetricsServer;
import dev.weft.telemetry.PrometheusTelemetry;
import dev.weft.topics.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weft executor NAME}: one member of that executor's consumer group, for a real deployment; add instances to
 * scale. A service: it runs until SIGTERM, or exits {@link Weft#SERVICE_FAILED} when its runtime cannot go on.
 */
@Command(name = "executor", mixinStandardHelpOptions = true,
    description = {"Run one executor instance (a service; SIGTERM stops it): process, noop, container, spark or batch.",
        "Its instance id is kept in --state-dir, so a restart is the same group member."})
final class ExecutorCommand implements Callable<Integer> {
  private final CommandOutput output;

  @Parameters(index = "0", paramLabel = "NAME", description = "process, noop, container, spark or batch")
  String name;

  @Option(names = "--instance-id", paramLabel = "ID",
      description = "its static group membership (env WEFT_INSTANCE_ID; default: kept in the state dir)")
  String instanceId;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "its instance id and the process backend's pid files (default .weft/NAME-executor)")
  Path stateDir;

  @Mixin
  MaxConcurrentOption maxConcurrent;

  @Option(names = "--workdir", paramLabel = "DIR", defaultValue = ".",
      description = "where processes and Spark jobs run (default the working directory)")
  Path workdir;

  @Option(names = "--cancel-grace", paramLabel = "DURATION", converter = DurationConverter.class,
      description = "between SIGTERM and SIGKILL for a cancelled, timed-out or (at stop) running task (default 5s)")
  Duration cancelGrace;

  @Option(names = "--job-queue", paramLabel = "QUEUE", description = "batch: the AWS Batch job queue (env "
      + "WEFT_BATCH_JOB_QUEUE)")
  String jobQueue;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "what requests may ask for (docs/executors/policy.md) (env WEFT_EXECUTOR_POLICY)")
  String policy;

  @Option(names = "--spark-master", paramLabel = "URL", description = "spark: the master (env WEFT_SPARK_MASTER; "
      + "default local[2])")
  String sparkMaster;

  @Option(names = "--spark-home", paramLabel = "DIR", description = "spark: an installed Spark (env SPARK_HOME)")
  String sparkHome;

  @Mixin
  MetricsPortOption metricsPort;

  @Mixin
  TopicPrefixOption topicPrefix;

  @Mixin
  ConnectionOptions connection;

  ExecutorCommand(CommandOutput output) {
    this.output = output;
  }

  @Override
  public Integer call() throws InterruptedException {
    Path work = workdir.toAbsolutePath();
    // The process backend keeps its pid files there too, to kill leftovers after a crash.
    Path state = stateDir != null ? stateDir : Path.of(".weft/" + name + "-executor");
    String queue = Environment.or(jobQueue, "WEFT_BATCH_JOB_QUEUE", null);
    String policyFile = Environment.or(policy, "WEFT_EXECUTOR_POLICY", null);
    ExecutorPolicy limits;
    try {
      limits = policyFile == null ? ExecutorPolicy.localDefault() : ExecutorPolicy.load(Path.of(policyFile));
    } catch (IllegalArgumentException ex) {
      throw new UsageException(ex.getMessage());
    }
    // The backend is made once the instance id is known: a Batch backend tags its jobs with it, to adopt them after
    // a restart under the same id.
    Function<String, ExecutorBackend> backendFor = id -> switch (name) {
      case "process" -> new ProcessBackend(work, state, limits.process());
      case "noop" -> new NoopBackend();
      case "container" -> new ContainerBackend(ContainerBackend.Settings.defaults().withPolicy(limits.container()));
      case "spark" -> sparkBackend(work);
      case "batch" -> new BatchBackend(BatchSettings.defaults(queue, id));
      default -> throw new UsageException("unknown executor '" + name + "'; one of process, noop, container, spark, batch");
    };
    // Batch jobs run in AWS, not in this process: a stopping instance leaves them to its successor (same id).
    boolean leavesWorkToSuccessor = name.equals("batch");
    ExecutorConfig.Builder config = config();
    if (leavesWorkToSuccessor) config.cancelRunningOnClose(false);
    metricsPort.port(); // a bad port is a usage error before anything starts
    Telemetry telemetry = PrometheusTelemetry.create("executor");
    ExecutorInstance instance;
    try {
      instance = ExecutorInstance.start(config, name, backendFor, state, Environment.or(instanceId, "WEFT_INSTANCE_ID",
          null), telemetry.registry());
    } catch (IllegalArgumentException ex) {
      throw new UsageException(ex.getMessage());
    }
    MetricsServer metrics = metricsPort.open(telemetry, () -> instance.runtime().state() == ExecutorRuntime.State.RUNNING);
    output.err().println("weft: " + name + " executor " + instance.instanceId() + " running in group "
        + instance.runtime().groupId() + MetricsPortOption.describe(metrics));
    return ServiceLifetime.untilStopped(() -> {
      if (metrics != null) metrics.close();
      instance.close();
    }, output.err(), () -> instance.runtime().state() == ExecutorRuntime.State.FAILED
        ? "executor " + instance.instanceId() + " stopped on an error it cannot recover from: "
            + instance.runtime().failure() : null);
  }

  /** The runtime's configuration from the options, but for what the instance adds at start; tests read it too. */
  ExecutorConfig.Builder config() {
    WeftSerdes serdes = connection.serdes();
    Topics topics = topicPrefix.topics();
    return ExecutorConfig.builder(connection.bootstrap(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).maxConcurrent(maxConcurrent.value())
        .cancelGrace(cancelGrace != null ? cancelGrace : ExecutorInstance.SERVICE_CANCEL_GRACE)
        .clientProperties(connection.kafkaProperties())
        .groupId(topics.executorGroupOf(name));
  }

  private ExecutorBackend sparkBackend(Path work) {
    String master = Environment.or(sparkMaster, "WEFT_SPARK_MASTER", "local[2]");
    String home = Environment.or(sparkHome, "SPARK_HOME", null);
    if (home != null) {
      SparkBackendConfig installed = SparkBackendConfig.fromSparkHome(home, master, work).orElseThrow(
          () -> new UsageException("no executable bin/spark-submit under --spark-home " + home));
      // Inline jobs need Weft's runner jar next to the user's spark-submit, when this build has one.
      return new SparkBackend(SparkClasspath.locate().map(cp -> installed.withInlineJobsJar(cp.jobsJar().toString()))
          .orElse(installed));
    }
    return new SparkBackend(SparkBackendConfig.detect(master, work).orElseThrow(() -> new UsageException(
        "no Spark found: set SPARK_HOME or --spark-home, or build Weft with `mvn install` to get Spark's jars")));
  }
}
