package dev.weft.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node KRaft broker (combined broker and controller), run from the {@code kafka_2.13} jars on this JVM's
 * classpath, in a child JVM by default ({@link Placement}). A child so a test can kill it like a crashed broker, and
 * so the broker's threads, memory and logging stay out of the caller's JVM; in this JVM for a stack that lives only as
 * long as one command, which then starts no second JVM.
 *
 * <p>The data directory is the broker's whole state: it is formatted once, and starting again on it (after {@link
 * #close()}, {@link #kill()} or in a new JVM) keeps every record. The ports are kept in the data directory too, since
 * the controller's address is written into the formatted metadata.
 */
public final class EmbeddedKafka implements AutoCloseable {
  /** Big enough for the largest pipeline spec we accept in one record. */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024 + 64 * 1024;
  /** Generous: on a loaded 2-core machine formatting and starting the broker has taken over a minute. */
  private static final long READY_TIMEOUT_MS = 180_000;
  private static final String STATE_FILE = "embedded-kafka.properties";
  /** How many choices of ports a start on ports of its own choosing tries before it gives up. */
  private static final int PORT_CHOICES = 3;

  private final Path dataDir;
  private final int port;
  private final int controllerPort;
  private final Security security;
  private final Placement placement;
  /** See {@link #discardsData()}. */
  private boolean discardsData;
  private RunningBroker broker;
  private Admin admin;

  /**
   * How clients reach the broker and what it enforces. {@link #PLAINTEXT}, what {@link #start(Path, int)} uses, lets
   * anyone do anything; a test of access control gives a SASL listener, an authorizer and the admin's credentials.
   *
   * @param protocol the client listener's security protocol, which is also its listener name (PLAINTEXT,
   *     SASL_PLAINTEXT); the controller's listener stays {@code CONTROLLER}, mapped to PLAINTEXT unless
   *     {@code serverProperties} map it otherwise
   * @param serverProperties more {@code server.properties} lines, after Weft's own: a later line wins
   * @param adminProperties the client settings of this class's own admin client (readiness, creating topics)
   */
  public record Security(String protocol, List<String> serverProperties, Map<String, Object> adminProperties) {
    public static final Security PLAINTEXT = new Security("PLAINTEXT", List.of(), Map.of());

    public Security {
      serverProperties = List.copyOf(serverProperties);
      adminProperties = Map.copyOf(adminProperties);
    }

    boolean authorizes() {
      return !equals(PLAINTEXT);
    }
  }

  /** Where the broker runs. */
  public enum Placement {
    /** A JVM of its own, C1 only, logging to {@link #logFile()}: it can be killed, and it cannot halt the caller. */
    CHILD_JVM,
    /**
     * As {@link #CHILD_JVM}, with the JVM's optimising compiler (C2) as well, as a deployed broker runs: for a caller
     * that warms the broker up before it measures, the benchmark. Once compiled, its transactions took half the time
     * they take on C1 (2026-12-04, docs/performance.md "The benchmark's broker compiles as a deployed one").
     */
    CHILD_JVM_OPTIMISED,
    /**
     * This JVM, logging through this JVM's slf4j: no second JVM to start (seconds on two cores), and Kafka's classes
     * loaded once for the broker and the clients. There is no process to kill: {@link #kill()} shuts it down as
     * {@link #close()} does. A fatal broker error halts this JVM.
     */
    IN_PROCESS
  }

  private EmbeddedKafka(Path dataDir, int port, int controllerPort, Security security, Placement placement) {
    this.dataDir = dataDir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.security = security;
    this.placement = placement;
  }

  /**
   * Starts a broker on {@code dataDir}, formatting it first if it is new, and waits until it answers.
   *
   * @param port the client port on 127.0.0.1; 0 reuses the port of the last start on this directory if it is free,
   *     else picks a free one
   * @throws IllegalStateException when the broker does not come up within 180 s, with the end of its log
   */
  public static EmbeddedKafka start(Path dataDir, int port) {
    return start(dataDir, port, Security.PLAINTEXT);
  }

  /**
   * Like {@link #start(Path, int)}, with the client listener and the broker's access control of {@code security}.
   * Give the same security on every start of one data directory: the controller's listener is part of its metadata.
   */
  public static EmbeddedKafka start(Path dataDir, int port, Security security) {
    return start(dataDir, port, security, Placement.CHILD_JVM);
  }

  /** Like {@link #start(Path, int, Security)}, with the broker where {@code placement} says. */
  public static EmbeddedKafka start(Path dataDir, int port, Security security, Placement placement) {
    for (int choice = 1; ; choice++) {
      EmbeddedKafka kafka = prepare(dataDir, port, security, placement);
      try {
        kafka.launch();
        return kafka;
      } catch (Ports.PortInUseException e) {
        // A port this start chose itself was taken before the broker bound it: prepare() chooses the client port
        // again, and the controller's too while no storage was formatted with it.
        if (port != 0 || choice >= PORT_CHOICES) throw e;
        kafka.forgetControllerPortIfUnformatted();
      }
    }
  }

  /**
   * Like {@link #start(Path, int, Security, Placement)}, without starting: the ports are chosen and {@link
   * #bootstrapServers()} known, so that clients can be built while {@link #launch()} starts the broker.
   */
  public static EmbeddedKafka prepare(Path dataDir, int port, Security security, Placement placement) {
    try {
      Files.createDirectories(dataDir);
      Path dir = dataDir.toAbsolutePath();
      Properties state = readState(dir);
      int previousPort = Integer.parseInt(state.getProperty("broker.port", "0"));
      int chosen = port != 0 ? port : previousPort != 0 && Ports.isFree(previousPort) ? previousPort : Ports.free();
      int controller = Integer.parseInt(state.getProperty("controller.port", "0"));
      if (controller == 0) controller = Ports.free();
      EmbeddedKafka kafka = new EmbeddedKafka(dir, chosen, controller, security, placement);
      state.setProperty("broker.port", Integer.toString(chosen));
      state.setProperty("controller.port", Integer.toString(controller));
      writeState(dir, state);
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException("could not prepare the broker's data directory " + dataDir + ": " + e, e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /**
   * The broker's own log (stdout, stderr and WARN-level logging), for diagnosing a failed test; a broker in this JVM
   * ({@link Placement#IN_PROCESS}) logs through this JVM's logging instead.
   */
  public Path logFile() {
    return dataDir.resolve("broker.log");
  }

  public boolean isRunning() {
    return broker != null && broker.isAlive();
  }

  /**
   * Creates the topics that do not exist yet, and waits until each is visible in the broker's metadata. Topics that
   * exist already are left as they are, whatever their partition count.
   */
  public void createTopics(Collection<String> names, int partitions) {
    requireRunning("create topics");
    List<NewTopic> topics = new ArrayList<>();
    for (String n : names) topics.add(new NewTopic(n, partitions, (short) 1));
    try {
      for (var e : admin.createTopics(topics).values().entrySet()) {
        try {
          e.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
          if (!(ex.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("could not create topic '" + e.getKey() + "' on " + bootstrapServers()
                + ": " + ex.getCause(), ex.getCause());
          }
        }
      }
      awaitVisible(names);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics " + names, e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("topics " + names + " did not become visible on " + bootstrapServers()
          + " within 30 s: " + e + "\n" + broker.diagnostics(30), e);
    }
  }

  /**
   * The controller has created the topics, but the broker learns of them from the metadata log a moment later, and
   * until then answers "unknown topic"; a producer started in between would wait on metadata.
   */
  private void awaitVisible(Collection<String> names)
      throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
            || System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      Thread.sleep(50);
    }
  }

  /** Stops the broker cleanly (controlled shutdown) and waits for its process to exit. Idempotent. */
  @Override
  public void close() {
    closeAdmin();
    if (broker != null) {
      broker.stop(30_000);
      broker = null;
    }
  }

  /**
   * Kills the broker with SIGKILL, as a crash would ({@link Placement#IN_PROCESS}: shuts it down); {@link #restart()}
   * brings it back on the same data.
   */
  public void kill() {
    closeAdmin();
    if (broker != null) {
      broker.kill();
      broker = null;
    }
  }

  /** Stops the broker if it runs, then starts it again on the same data directory and ports. */
  public void restart() {
    close();
    launch();
  }

  /**
   * Before {@link #launch()}: this broker's data is deleted once it stops (a throwaway stack), so its shutdown does not
   * hand leadership to the controller first (controlled shutdown: 150 ms of `weft run`'s exit, 2026-12-02). A broker
   * started again on such data would wait for its old registration to expire (2 s).
   */
  public void discardsData() {
    discardsData = true;
  }

  /**
   * Starts the broker of {@link #prepare} (or of {@link #close()}) and waits until it answers.
   *
   * @throws IllegalStateException when it does not come up within 180 s, with the end of its log
   */
  public void launch() {
    Path serverProps = dataDir.resolve("server.properties");
    Path log4j = dataDir.resolve("log4j2.properties");
    try {
      Files.writeString(serverProps, serverProperties(), StandardCharsets.UTF_8);
      Files.writeString(log4j, log4jConfig(logFile(), security.authorizes()), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the broker's configuration into " + dataDir, e);
    }
    Ports.requireFree(port, "the embedded Kafka broker");
    Ports.requireFree(controllerPort, "the embedded Kafka controller");
    Path logs = dataDir.resolve("logs");
    String clusterId = Uuid.randomUuid().toString();
    if (placement == Placement.IN_PROCESS) {
      broker = InProcessBroker.start(serverProps, logs, clusterId);
    } else {
      // One JVM formats the storage if it never was, then runs the broker (FormattingBroker): Kafka's classes load
      // once.
      broker = new ChildBroker(ChildJvm.launch("kafka-broker",
          jvmArgs(log4j, security.authorizes(), placement == Placement.CHILD_JVM_OPTIMISED),
          System.getProperty("java.class.path"), FormattingBroker.class.getName(),
          List.of(serverProps.toString(), logs.toString(), clusterId), Map.of(), logFile()));
    }
    awaitReady();
  }

  private void awaitReady() {
    Map<String, Object> conf = new java.util.HashMap<>(security.adminProperties());
    conf.putAll(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
    admin = Admin.create(conf);
    long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
    Exception last = null;
    while (System.currentTimeMillis() < deadline) {
      if (!broker.isAlive()) {
        RunningBroker dead = broker;
        close();
        // Our broker is gone, so a process holding one of its ports now took it after the check in launch().
        if (!Ports.isFree(port)) throw new Ports.PortInUseException(port, "the embedded Kafka broker");
        if (!Ports.isFree(controllerPort)) {
          throw new Ports.PortInUseException(controllerPort, "the embedded Kafka controller");
        }
        throw new IllegalStateException("the Kafka broker on " + dataDir + " exited during startup. "
            + dead.diagnostics(40));
      }
      try {
        if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) return;
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new IllegalStateException("interrupted while waiting for the broker", e);
      }
      sleepQuietly(200);
    }
    String tail = broker.diagnostics(40);
    close();
    throw new IllegalStateException("the Kafka broker at " + bootstrapServers() + " did not answer within "
        + READY_TIMEOUT_MS / 1000 + " s (last error: " + last + "). " + tail);
  }

  private String serverProperties() {
    String listener = security.protocol();
    return String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "listeners=" + listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=" + listener + "://127.0.0.1:" + port,
        "inter.broker.listener.name=" + listener,
        "controller.listener.names=CONTROLLER",
        "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
        "listener.security.protocol.map=" + listener + ":" + listener + ",CONTROLLER:PLAINTEXT",
        "log.dirs=" + dataDir.resolve("logs"),
        "num.partitions=4",
        "auto.create.topics.enable=false",
        "offsets.topic.replication.factor=1",
        // Fewer internal partitions than the default 50: they are created on first use, and 50 makes that slow.
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "transaction.state.log.num.partitions=4",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // After a crash the restarted controller keeps the old broker registration until its session expires, and
        // refuses the new one until then: the default 9 s would make every restart after a kill that slow.
        "broker.heartbeat.interval.ms=500",
        "broker.session.timeout.ms=2000",
        // A transaction left open by a producer that crashed and is not coming back (a coordinator killed during a
        // scale-in) holds back every read_committed reader of its partitions until the broker aborts it: the
        // transaction's timeout (10 s for the coordinator), found late by up to this check's interval (10 s by
        // default). A producer that restarts under its transactional id aborts it at once instead.
        "transaction.abort.timed.out.transaction.cleanup.interval.ms=1000",
        "message.max.bytes=" + MAX_MESSAGE_BYTES,
        "replica.fetch.max.bytes=" + MAX_MESSAGE_BYTES,
        // The topics are the source of truth of every run: the embedded broker never deletes by age.
        "log.retention.ms=-1",
        String.join("\n", security.serverProperties()),
        discardsData ? "controlled.shutdown.enable=false" : "",
        // Tuning without a rebuild ("num.io.threads=2;num.network.threads=1"): a key given again here wins, since
        // the broker loads these lines in order into one Properties.
        System.getenv().getOrDefault("WEFT_BROKER_PROPS", "").replace(';', '\n'),
        "") ;
  }

  /** With access control, the authorizer's denials (INFO) are logged too: what a principal was refused, and why. */
  private static String log4jConfig(Path logFile, boolean denials) {
    return String.join("\n",
        "status = warn",
        "appender.file.type = File",
        "appender.file.name = file",
        "appender.file.fileName = " + logFile.toString().replace("\\", "/"),
        "appender.file.layout.type = PatternLayout",
        "appender.file.layout.pattern = %d{ISO8601} %p [%c] %m%n",
        "rootLogger.level = WARN",
        "rootLogger.appenderRef.file.ref = file",
        denials ? "logger.authorizer.name = kafka.authorizer.logger\nlogger.authorizer.level = INFO" : "",
        "");
  }

  static List<String> jvmArgs(Path log4j, boolean denials, boolean optimised) {
    // C1 only unless asked: on a 2-core machine that the broker shares with Weft, C2 compiled the broker for minutes,
    // taking more CPU than the broker's own work (docs/performance.md). An embedded broker lives for a dev session or
    // a test suite; C1's quick code is the better trade there. WEFT_BROKER_JAVA_OPTS adds or overrides flags (the
    // last occurrence of a flag wins).
    List<String> args = new ArrayList<>(List.of("-Xmx1g", "-XX:+UseG1GC"));
    if (!optimised) args.add("-XX:TieredStopAtLevel=1");
    args.addAll(List.of("-Djava.awt.headless=true", "-Dlog4j2.configurationFile=" + log4j.toUri()));
    String extra = System.getenv("WEFT_BROKER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) args.addAll(List.of(extra.trim().split("\\s+")));
    // Kafka logs through slf4j but ships no slf4j provider; pick one the classpath has, at WARN, so a startup
    // failure shows up in the log file instead of vanishing into slf4j's no-op logger.
    if (onClasspath("org.apache.logging.slf4j.SLF4JServiceProvider")) {
      args.add("-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider");
    } else if (onClasspath("org.slf4j.simple.SimpleServiceProvider")) {
      args.add("-Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider");
      args.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
      if (denials) args.add("-Dorg.slf4j.simpleLogger.log.kafka.authorizer.logger=info");
    }
    return args;
  }

  private static boolean onClasspath(String className) {
    try {
      Class.forName(className, false, EmbeddedKafka.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private void forgetControllerPortIfUnformatted() {
    if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) return;
    try {
      Properties state = readState(dataDir);
      state.remove("controller.port");
      writeState(dataDir, state);
    } catch (IOException e) {
      throw new UncheckedIOException("could not rewrite the broker's ports in " + dataDir + ": " + e, e);
    }
  }

  private static void writeState(Path dir, Properties state) throws IOException {
    try (Writer w = Files.newBufferedWriter(dir.resolve(STATE_FILE), StandardCharsets.UTF_8)) {
      state.store(w, "ports of the embedded broker on this data directory (the controller's is part of its metadata)");
    }
  }

  private static Properties readState(Path dir) throws IOException {
    Properties p = new Properties();
    Path f = dir.resolve(STATE_FILE);
    if (Files.exists(f)) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        p.load(r);
      }
    }
    return p;
  }

  private void requireRunning(String what) {
    if (!isRunning()) {
      throw new IllegalStateException("cannot " + what + ": the embedded broker on " + dataDir + " is not running"
          + " (closed or killed; call restart())");
    }
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
      admin = null;
    }
  }

  static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Topic names that exist on the broker, for tests and diagnostics. */
  public Set<String> listTopics() {
    requireRunning("list topics");
    try {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while listing topics", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not list topics on " + bootstrapServers() + ": " + e, e);
    }
  }
}
