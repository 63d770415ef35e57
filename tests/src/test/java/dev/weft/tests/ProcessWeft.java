package dev.weft.tests;

import dev.weft.client.RunListener;
import dev.weft.client.RunResult;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A Weft whose coordinators and executors run as separate OS processes ({@code weft coordinator}, {@code weft executor
 * NAME}, each its own JVM) on a broker and registry (the suite's shared ones, {@link SharedStack}, or any others, such
 * as a {@code weft dev --only broker,registry} process), under a topic prefix, an application id and executor groups
 * of its own: the harness for crash and scale tests.
 *
 * <pre>{@code
 * try (ProcessWeft weft = new ProcessWeft("crash", 4)) {
 *   ServiceProcess c1 = weft.startCoordinator("c1");          // waits until it runs; c1's API: weft.apiPort(c1)
 *   ServiceProcess noop = weft.startExecutor("noop", "n1");
 *   c1.kill();                                                 // SIGKILL to that JVM alone
 *   c1 = weft.restart(c1);                                     // same instance id, same state directory
 *   Duration stop = noop.terminate(Duration.ofSeconds(10));    // SIGTERM; fails if it takes longer
 *   List<CommandLog.Sent> sent = weft.commands();              // every committed command, read_committed
 * }
 * }</pre>
 *
 * <p>Each service gets its own state directory under {@link #dir()}, named by its instance id, and its log there
 * ({@code <id>.log}, every start appended). Instance ids must be unique within one {@code ProcessWeft}.
 * {@link #close()} stops every service still running (SIGTERM).
 */
public final class ProcessWeft implements AutoCloseable {
  private static final Pattern COORDINATOR_READY = Pattern.compile("coordinator (\\S+) running; API on port (\\d+)");
  private static final Pattern EXECUTOR_READY = Pattern.compile("executor (\\S+) running in group");
  private static final Pattern SINK_READY = Pattern.compile("completion sink running in group");
  /** A JVM start on a loaded two-core machine, a group join and a state restore, with room to spare. */
  public static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

  private final String bootstrapServers;
  private final String registryUrl;
  private final WeftSerdes serdes;
  private final String prefix;
  private final Topics topics;
  private final Path dir;
  private final WeftClient client;
  private final List<ServiceProcess> started = new ArrayList<>();
  private final Map<String, Integer> apiPorts = new java.util.concurrent.ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Creates this Weft's topics ({@code partitions} each) on the suite's shared broker. */
  public ProcessWeft(String name, int partitions) {
    this(name, partitions, SharedStack.get().bootstrapServers(), SharedStack.get().registryUrl());
  }

  /** Creates this Weft's topics ({@code partitions} each) on the broker at {@code bootstrapServers}. */
  public ProcessWeft(String name, int partitions, String bootstrapServers, String registryUrl) {
    this.bootstrapServers = bootstrapServers;
    this.registryUrl = registryUrl;
    this.serdes = new WeftSerdes(registryUrl);
    this.prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    this.topics = new Topics(prefix);
    try {
      this.dir = Files.createDirectories(Path.of("target", "process-weft", prefix)).toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    createTopics(partitions);
    CommandLog.stampOnAppend(bootstrapServers, topics);
    this.client = new WeftClient(bootstrapServers, serdes, topics);
  }

  private void createTopics(int partitions) {
    List<NewTopic> all = topics.all(PipelineSpecs.EXECUTORS.stream().sorted().toList()).stream()
        .map(t -> new NewTopic(t, partitions, (short) 1)).toList();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
      admin.createTopics(all).all().get(60, TimeUnit.SECONDS);
      // The controller has them; wait until the broker serves their metadata too.
      Conditions.await(Duration.ofSeconds(30), "topics of " + prefix + " visible", () -> {
        admin.describeTopics(all.stream().map(NewTopic::name).toList()).allTopicNames().get(10, TimeUnit.SECONDS);
        return true;
      });
    } catch (Exception e) {
      throw new IllegalStateException("could not create the topics of " + prefix + " on " + bootstrapServers, e);
    }
  }

  /**
   * Starts {@code weft coordinator} with instance id {@code instanceId} (API on a free loopback port) and waits until
   * it runs.
   *
   * @param extraArgs more options, e.g. {@code --standby-replicas 1}
   */
  public ServiceProcess startCoordinator(String instanceId, String... extraArgs) throws InterruptedException {
    return awaitCoordinator(launchCoordinator(instanceId, extraArgs));
  }

  /** Like {@link #startCoordinator} without waiting: start several at once, then {@link #awaitCoordinator} each. */
  public ServiceProcess launchCoordinator(String instanceId, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("coordinator", "--instance-id", instanceId,
        "--state-dir", dir.resolve(instanceId).toString(), "--application-id", applicationId(),
        "--api-port", "0", "--api-host", "127.0.0.1"));
    args.addAll(List.of(extraArgs));
    return launch("coordinator-" + instanceId, instanceId, args);
  }

  /** Starts {@code weft executor NAME} with instance id {@code instanceId} and waits until it runs. */
  public ServiceProcess startExecutor(String name, String instanceId, String... extraArgs) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("executor", name, "--instance-id", instanceId,
        "--state-dir", dir.resolve(instanceId).toString(), "--workdir", dir.toString()));
    args.addAll(List.of(extraArgs));
    ServiceProcess p = launch(name + "-executor-" + instanceId, instanceId, args);
    p.awaitLine(EXECUTOR_READY, READY_TIMEOUT);
    return p;
  }

  /**
   * Starts a stopped or killed service again with the same command line (instance id, state directory), and waits
   * until it runs.
   */
  public ServiceProcess restart(ServiceProcess stopped) throws InterruptedException {
    ServiceProcess p = stopped.restart();
    started.add(p);
    if (p.name().startsWith("coordinator-")) return awaitCoordinator(p);
    p.awaitLine(p.name().startsWith("sink-") ? SINK_READY : EXECUTOR_READY, READY_TIMEOUT);
    return p;
  }

  /** Like {@link #restart}, without waiting until it runs: for measuring from the moment the JVM is spawned. */
  public ServiceProcess restartNoWait(ServiceProcess stopped) {
    ServiceProcess p = stopped.restart();
    started.add(p);
    return p;
  }

  /**
   * Starts {@code weft sink --history LOCATION} with instance id {@code instanceId} (a static member, so a restart
   * takes its partitions back at once), with {@code env} added (AWS endpoint and credentials), and waits until it runs.
   */
  public ServiceProcess startSink(String instanceId, String history, Map<String, String> env)
      throws InterruptedException {
    ServiceProcess p = launch("sink-" + instanceId, instanceId, List.of("sink", "--instance-id", instanceId,
        "--history", history), env);
    p.awaitLine(SINK_READY, READY_TIMEOUT);
    return p;
  }

  private ServiceProcess launch(String name, String instanceId, List<String> args) {
    return launch(name, instanceId, args, Map.of());
  }

  private ServiceProcess launch(String name, String instanceId, List<String> args, Map<String, String> env) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--bootstrap", bootstrapServers, "--registry", registryUrl,
        "--topic-prefix", prefix));
    ServiceProcess p = ServiceProcess.start(name, all, env, dir.resolve(instanceId + ".log"));
    started.add(p);
    return p;
  }

  /** Waits until a coordinator process runs (its group joined, its state restored) and notes its API port. */
  public ServiceProcess awaitCoordinator(ServiceProcess p) throws InterruptedException {
    Matcher m = p.awaitLine(COORDINATOR_READY, READY_TIMEOUT);
    apiPorts.put(p.name(), Integer.parseInt(m.group(2)));
    return p;
  }

  /** The query API's port of a running coordinator process. */
  public int apiPort(ServiceProcess coordinator) {
    Integer port = apiPorts.get(coordinator.name());
    if (port == null) throw new IllegalArgumentException(coordinator + " is not a coordinator that ran");
    return port;
  }

  /**
   * {@code GET /api/runs/{id}} on one coordinator process.
   *
   * @return the HTTP status and body
   */
  public HttpResponse<String> getRun(ServiceProcess coordinator, String runId) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort(coordinator) + "/api/runs/"
        + runId)).timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public SubmittedRun submit(PipelineSpec spec) throws dev.weft.spec.SpecException {
    return client.submit(spec, Map.of(), null, null);
  }

  public RunResult await(SubmittedRun run, Duration timeout) throws Exception {
    return client.await(run, timeout, RunListener.NONE);
  }

  /**
   * Every committed command of this Weft so far (read_committed, all executors), in timestamp order. Its command
   * topics are stamped by the broker on append ({@link CommandLog#stampOnAppend}): a timestamp is when the command was
   * written.
   */
  public List<CommandLog.Sent> commands() {
    return CommandLog.read(bootstrapServers, topics, serdes);
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  public WeftSerdes serdes() {
    return serdes;
  }

  /** The processes started so far that still run, oldest first. */
  public List<ServiceProcess> running() {
    return started.stream().filter(ServiceProcess::isAlive).toList();
  }

  public Topics topics() {
    return topics;
  }

  /** The Streams application id (= consumer group) of this Weft's coordinators. */
  public String applicationId() {
    return prefix + "coordinator";
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    client.close();
    started.forEach(ServiceProcess::stopQuietly);
  }
}
