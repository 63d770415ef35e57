package dev.weft.cli;

import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.executor.ExecutorConfig;
import dev.weft.devstack.ExecutorInstance;
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
import dev.weft.coordinator.telemetry.Telemetry;
import dev.weft.telemetry.MetricsServer;
import dev.weft.telemetry.PrometheusTelemetry;
import dev.weft.topics.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.CountDownLatch;

/**
 * The service entry points for a real deployment: {@code weft coordinator} (one instance of the coordinator; run
 * several with the same application id to scale out) and {@code weft executor NAME} (one member of that executor's
 * consumer group; add instances to scale).
 */
final class ServiceCommands {
  static final Set<String> COORDINATOR_OPTIONS = Endpoints.optionsWith("state-dir", "api-port", "api-host",
      "advertised-host", "application-id", "threads", "commit-interval-ms", "replication-factor", "standby-replicas",
      "instance-id", "topic-prefix", "retain-finished");
  static final Set<String> EXECUTOR_OPTIONS = Endpoints.optionsWith("instance-id", "max-concurrent", "workdir",
      "state-dir", "spark-master", "spark-home", "topic-prefix", "cancel-grace", "job-queue", "policy", "metrics-port",
      "metrics-host");
  static final Set<String> SINK_OPTIONS = Endpoints.optionsWith("history", "instance-id", "topic-prefix", "lineage");
  private static final Set<String> WILDCARD_HOSTS = Set.of("0.0.0.0", "::", "[::]");

  private ServiceCommands() {}

  static int coordinator(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(COORDINATOR_OPTIONS);
    Endpoints e = Endpoints.from(a);
    String apiHost = a.option("api-host", "WEFT_API_HOST", CoordinatorConfig.DEFAULT_API_HOST);
    String advertised = a.option("advertised-host", "WEFT_ADVERTISED_HOST", null);
    if (advertised == null && WILDCARD_HOSTS.contains(apiHost)) {
      throw new Args.UsageException("--api-host " + apiHost + " binds every address, so give --advertised-host: the"
          + " address the other coordinator instances reach this one at (they forward queries to it)");
    }
    CoordinatorConfig c;
    try {
      c = CoordinatorConfig.defaults(e.bootstrap(), Path.of(a.option("state-dir", null, ".weft/coordinator")))
          .withTopics(topics(a))
          .withApiPort(a.intOption("api-port", 7070))
          .withApiHost(apiHost, advertised)
          .withApplicationId(a.option("application-id", "WEFT_APPLICATION_ID", "weft-coordinator"))
          .withCommitIntervalMs(a.intOption("commit-interval-ms", (int) CoordinatorConfig.DEFAULT_COMMIT_INTERVAL_MS))
          .withStreamThreads(a.intOption("threads", 1))
          .withReplicationFactor((short) a.intOption("replication-factor", 1))
          .withStandbyReplicas(a.intOption("standby-replicas", 0))
          .withInstanceId(a.option("instance-id", "WEFT_INSTANCE_ID", null))
          .withOptions(CoordinatorOptions.DEFAULT.withRetainFinished(retainFinished(a)));
    } catch (IllegalArgumentException ex) {
      throw new Args.UsageException(ex.getMessage());
    }
    Coordinator coordinator = Coordinator.start(c, new WeftSerdes(e.registry()), Duration.ofMinutes(5),
        PrometheusTelemetry.create("coordinator"));
    // "running; API on port N" is what scripts and the tests wait for: keep it at the start of the line.
    err.println("weft: coordinator " + coordinator.instanceId() + " running; API on port " + coordinator.apiPort()
        + " (metrics at /metrics)");
    return untilStopped(coordinator, err);
  }

  static int executor(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(EXECUTOR_OPTIONS);
    String name = a.positional(0, "the executor name (process, noop, container, spark, batch)");
    Endpoints e = Endpoints.from(a);
    Path workdir = Path.of(a.option("workdir", null, ".")).toAbsolutePath();
    // The process backend keeps its pid files there too, to kill leftovers after a crash.
    Path stateDir = Path.of(a.option("state-dir", null, ".weft/" + name + "-executor"));
    String jobQueue = a.option("job-queue", "WEFT_BATCH_JOB_QUEUE", null);
    String policyFile = a.option("policy", "WEFT_EXECUTOR_POLICY", null);
    ExecutorPolicy policy;
    try {
      policy = policyFile == null ? ExecutorPolicy.localDefault() : ExecutorPolicy.load(Path.of(policyFile));
    } catch (IllegalArgumentException ex) {
      throw new Args.UsageException(ex.getMessage());
    }
    // The backend is made once the instance id is known: a Batch backend tags its jobs with it, to adopt them after
    // a restart under the same id.
    Function<String, ExecutorBackend> backendFor = instanceId -> switch (name) {
      case "process" -> new ProcessBackend(workdir, stateDir, policy.process());
      case "noop" -> new NoopBackend();
      case "container" -> new ContainerBackend(ContainerBackend.Settings.defaults().withPolicy(policy.container()));
      case "spark" -> sparkBackend(a, workdir);
      case "batch" -> new BatchBackend(BatchSettings.defaults(jobQueue, instanceId));
      default -> throw new Args.UsageException("unknown executor '" + name + "'; one of process, noop, container, spark, batch");
    };
    // Batch jobs run in AWS, not in this process: a stopping instance leaves them to its successor (same id).
    boolean leavesWorkToSuccessor = name.equals("batch");
    WeftSerdes serdes = new WeftSerdes(e.registry());
    Topics topics = topics(a);
    ExecutorConfig.Builder config = ExecutorConfig.builder(e.bootstrap(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).maxConcurrent(a.intOption("max-concurrent", ExecutorConfig.DEFAULT_MAX_CONCURRENT))
        .cancelGrace(duration(a, "cancel-grace", ExecutorInstance.SERVICE_CANCEL_GRACE));
    if (leavesWorkToSuccessor) config.cancelRunningOnClose(false);
    config.groupId(topics.executorGroupOf(name));
    String id = a.option("instance-id", "WEFT_INSTANCE_ID", null);
    Integer metricsPort = port(a, "metrics-port", "WEFT_METRICS_PORT");
    Telemetry telemetry = PrometheusTelemetry.create("executor");
    ExecutorInstance instance;
    try {
      instance = ExecutorInstance.start(config, name, backendFor, stateDir, id, telemetry.registry());
    } catch (IllegalArgumentException ex) {
      throw new Args.UsageException(ex.getMessage());
    }
    MetricsServer metrics = metricsPort == null ? null : new MetricsServer(a.option("metrics-host", null, "127.0.0.1"),
        metricsPort, telemetry,
        () -> instance.runtime().state() == dev.weft.executor.ExecutorRuntime.State.RUNNING);
    err.println("weft: " + name + " executor " + instance.instanceId() + " running in group "
        + instance.runtime().groupId() + (metrics == null ? "" : "; /metrics and /health on port " + metrics.port()));
    return untilStopped(() -> {
      if (metrics != null) metrics.close();
      instance.close();
    }, err, () -> instance.runtime().state() == dev.weft.executor.ExecutorRuntime.State.FAILED
        ? "executor " + instance.instanceId() + " stopped on an error it cannot recover from: "
            + instance.runtime().failure() : null);
  }

  /** A port option (0: any free port), or null when neither the option nor its environment variable is given. */
  private static Integer port(Args a, String option, String envVar) {
    String v = a.option(option, envVar, null);
    if (v == null) return null;
    try {
      int port = Integer.parseInt(v);
      if (port < 0 || port > 65535) throw new NumberFormatException();
      return port;
    } catch (NumberFormatException e) {
      throw new Args.UsageException("--" + option + " takes a port number (0 for any free one), not '" + v + "'");
    }
  }

  /**
   * {@code weft sink [--history URI] [--instance-id I]}: one member of the completion sink's group, writing run
   * history to S3 or a directory. With an instance id it is a static member: a restart under the same id takes its
   * partitions back at once instead of after the session timeout.
   */
  static int sink(Args a, PrintStream out, PrintStream err) throws InterruptedException {
    a.allow(SINK_OPTIONS);
    Endpoints e = Endpoints.from(a);
    dev.weft.sink.HistoryStore store;
    try {
      store = dev.weft.sink.HistoryStores.open(HistoryCommand.location(a));
    } catch (IllegalArgumentException ex) {
      throw new Args.UsageException("--history: " + ex.getMessage());
    }
    dev.weft.sink.lineage.LineageEmitter lineage;
    try {
      lineage = dev.weft.sink.lineage.LineageEmitter.open(a.option("lineage", "WEFT_LINEAGE", null),
          RunCommand.LINEAGE_FILE, Path.of("").toAbsolutePath());
    } catch (IllegalArgumentException ex) {
      store.close();
      throw new Args.UsageException("--lineage: " + ex.getMessage());
    }
    dev.weft.sink.CompletionSink.Config config = dev.weft.sink.CompletionSink.Config.of(e.bootstrap(),
        new WeftSerdes(e.registry()).runEvent().deserializer(), topics(a), store)
        .withInstanceId(a.option("instance-id", "WEFT_INSTANCE_ID", null)).withLineage(lineage);
    dev.weft.sink.CompletionSink sink = dev.weft.sink.CompletionSink.start(config);
    err.println("weft: completion sink running in group " + config.groupId() + ", writing history to "
        + sink.location() + (lineage == null ? "" : " and lineage to " + lineage.description()));
    return untilStopped(sink, err);
  }

  private static Duration duration(Args a, String option, Duration dflt) {
    String v = a.option(option, null, null);
    try {
      return v == null ? dflt : dev.weft.spec.Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new Args.UsageException("--" + option + " takes a duration like 5s, not '" + v + "'");
    }
  }

  /**
   * {@code --retain-finished} ({@code WEFT_RETAIN_FINISHED}): how long the coordinator keeps a finished run, as
   * {@code 7d}, {@code 12h}, {@code 30s} or ISO-8601 ({@code P7D}, {@code PT30S}); {@code 0s} keeps finished runs
   * forever. Shared by {@code weft coordinator}, {@code dev}, {@code run} and {@code replay}.
   */
  static Duration retainFinished(Args a) {
    String v = a.option("retain-finished", "WEFT_RETAIN_FINISHED", null);
    if (v == null) return CoordinatorOptions.DEFAULT_RETAIN_FINISHED;
    Duration d;
    try {
      d = dev.weft.spec.Durations.parse(v);
    } catch (IllegalArgumentException e) {
      d = null;
    }
    if (d == null || d.isNegative()) {
      throw new Args.UsageException("--retain-finished takes a duration like 7d, 12h, 30s or P7D (0s keeps finished "
          + "runs forever), not '" + v + "'");
    }
    return d;
  }

  /** {@code --topic-prefix} ({@code WEFT_TOPIC_PREFIX}): another Weft on the same broker. */
  static Topics topics(Args a) {
    String prefix = a.option("topic-prefix", "WEFT_TOPIC_PREFIX", Topics.DEFAULT.prefix());
    return prefix.equals(Topics.DEFAULT.prefix()) ? Topics.DEFAULT : new Topics(prefix);
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

  /** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes the service and says how long that took. */
  static int untilStopped(AutoCloseable service, PrintStream err) throws InterruptedException {
    return untilStopped(service, err, () -> null);
  }

  /**
   * Blocks until the JVM is asked to stop, or until {@code failure} says why the service cannot go on: it then exits
   * with {@link Weft#SERVICE_FAILED}, so that a supervisor (systemd, Kubernetes) starts it again, rather than living
   * on around a service that does nothing.
   */
  static int untilStopped(AutoCloseable service, PrintStream err, java.util.function.Supplier<String> failure)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long t0 = System.nanoTime();
      err.println("weft: stopping");
      try {
        service.close();
      } catch (Exception ex) {
        err.println("weft: while stopping: " + ex.getMessage());
      }
      err.println("weft: stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      stopped.countDown();
    }, "weft-stop"));
    while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
      String why = failure.get();
      if (why != null) {
        err.println("weft: " + why + "; exiting so that it is started again");
        return Weft.SERVICE_FAILED;
      }
    }
    return Weft.OK;
  }
}
