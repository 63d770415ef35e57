package dev.weft.executor.container;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.BackendThreads;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.backend.LaunchException;
import dev.weft.executor.backend.RunningAttempt;
import dev.weft.executor.backend.AttemptFiles;
import dev.weft.executor.backend.TaskEnvironment;
import dev.weft.spec.MemorySize;
import dev.weft.spec.Resources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts as Docker containers (executor name {@code container}) through docker-java. docker-java types stay
 * inside this package; the runtime sees only {@link ExecutorBackend}.
 *
 * <p>Every container is isolated unless its task opts out: not privileged, all capabilities dropped,
 * no-new-privileges, read-only root filesystem with a tmpfs {@code /tmp}, network none, user nobody. Resource limits
 * are real limits: cpu as NanoCPUs, memory with swap equal to memory (otherwise swap silently doubles it), pids.
 *
 * <p>The container's name is a function of the attempt id and the engine refuses a second container of the same
 * name, so a launch repeated for the same attempt (the runtime's retry after a crash between Started and launch)
 * adopts the first container instead of running the work twice. Labels {@code weft.run}, {@code weft.task},
 * {@code weft.attempt} and {@code weft.executor=container} let a restarted executor find its work again
 * ({@link #findRunning()}, {@link #adopt}). Closing the backend leaves containers running for that reason.
 */
public final class ContainerBackend implements ExecutorBackend {
  public static final String NAME = "container";
  /** Where the attempt's files ({@code $WEFT_RESULT_FILE}, {@code $WEFT_SPAWN_FILE}) are mounted in its container. */
  public static final String ATTEMPT_FILES_TARGET = "/weft/attempt";

  public static final String LABEL_RUN = "weft.run";
  public static final String LABEL_TASK = "weft.task";
  public static final String LABEL_ATTEMPT = "weft.attempt";
  public static final String LABEL_EXECUTOR = "weft.executor";
  public static final String LABEL_PIPELINE = "weft.pipeline";
  /** Carried on the container because an adopting executor has no spec to read {@code keepContainer} from. */
  public static final String LABEL_KEEP = "weft.keep";
  /**
   * Which Weft installation created the container ({@link Settings#scope()}); absent for the unscoped default.
   * Several installations (a dev stack and test stacks, two teams) can share one engine, and a restarting executor
   * must adopt only its own installation's containers: adopting another's would report its outcome to the wrong
   * topics and remove the container under the executor that really owns it.
   */
  public static final String LABEL_SCOPE = "weft.scope";
  /**
   * A kept container whose outcome was reported is renamed with this suffix (labels cannot change after
   * create), so {@link #findRunning()} does not offer it to every later executor again.
   */
  static final String REPORTED_SUFFIX = "-reported";

  static final int LOG_TAIL_LINES = 400;
  static final int LOG_TAIL_CHARS = 8 * 1024;

  private static final Logger LOG = LoggerFactory.getLogger(ContainerBackend.class);
  private static final Pattern NAME_UNSAFE = Pattern.compile("[^a-zA-Z0-9_.-]");
  private static final Pattern ENGINE_MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * How the backend reaches the engine and paces itself.
   *
   * @param dockerHost engine address (unix:///var/run/docker.sock, tcp://host:2375); null = DOCKER_HOST or the
   *     default socket
   * @param pullTimeout bound on an image pull, so an unreachable registry fails the attempt instead of hanging it
   * @param pollInterval how often a running container's state is looked at
   * @param timeoutGrace SIGTERM-to-SIGKILL grace when the attempt's own timeout stops it
   * @param scope names the installation (e.g. its topic prefix) on every container it creates, so
   *     {@link #findRunning()} offers only this installation's containers; null = the unscoped default, which in
   *     turn never adopts a scoped container
   */
  public record Settings(String dockerHost, Duration pullTimeout, Duration pollInterval, Duration timeoutGrace,
      String scope, ContainerPolicy policy) {
    public static Settings defaults() {
      return new Settings(null, Duration.ofMinutes(5), Duration.ofMillis(250), Duration.ofSeconds(10), null,
          ContainerPolicy.localDefault());
    }

    public Settings withScope(String s) {
      return new Settings(dockerHost, pullTimeout, pollInterval, timeoutGrace, s, policy);
    }

    public Settings withDockerHost(String host) {
      return new Settings(host, pullTimeout, pollInterval, timeoutGrace, scope, policy);
    }

    public Settings withPullTimeout(Duration timeout) {
      return new Settings(dockerHost, timeout, pollInterval, timeoutGrace, scope, policy);
    }

    public Settings withPollInterval(Duration interval) {
      return new Settings(dockerHost, pullTimeout, interval, timeoutGrace, scope, policy);
    }

    public Settings withTimeoutGrace(Duration grace) {
      return new Settings(dockerHost, pullTimeout, pollInterval, grace, scope, policy);
    }

    public Settings withPolicy(ContainerPolicy p) {
      return new Settings(dockerHost, pullTimeout, pollInterval, timeoutGrace, scope, p);
    }
  }

  private final Settings settings;
  private final String engineAddress;
  private final DockerClient docker;
  private final ScheduledExecutorService scheduler;
  private final Map<String, ContainerAttempt> watched = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** Connects to DOCKER_HOST or the default socket. */
  public ContainerBackend() {
    this(Settings.defaults());
  }

  /**
   * Connects and pings the engine.
   *
   * @throws DockerEngineUnavailableException when no engine answers at the configured address
   */
  public ContainerBackend(Settings settings) {
    this.settings = settings;
    DockerClientConfig config;
    try {
      DefaultDockerClientConfig.Builder builder = DefaultDockerClientConfig.createDefaultConfigBuilder();
      if (settings.dockerHost() != null) builder.withDockerHost(settings.dockerHost());
      config = builder.build();
    } catch (RuntimeException e) {
      throw new DockerEngineUnavailableException("the Docker engine address is not usable ("
          + (settings.dockerHost() != null ? settings.dockerHost() : "DOCKER_HOST=" + System.getenv("DOCKER_HOST"))
          + "): " + e.getMessage() + "; set DOCKER_HOST to e.g. unix:///var/run/docker.sock", e);
    }
    this.engineAddress = config.getDockerHost().toString();
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(64)
        .connectionTimeout(Duration.ofSeconds(5))
        // Every call this backend makes is short (no follow streams, no blocking stop/wait); a hung engine must
        // not hang a watcher thread forever.
        .responseTimeout(Duration.ofSeconds(60))
        .build();
    this.docker = DockerClientImpl.getInstance(config, http);
    try {
      docker.pingCmd().exec();
    } catch (RuntimeException e) {
      closeQuietly();
      throw new DockerEngineUnavailableException("no Docker engine answers at " + engineAddress
          + "; start dockerd or set DOCKER_HOST (" + rootMessage(e) + ")", e);
    }
    AtomicInteger threads = new AtomicInteger();
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "weft-container-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    // On close, pending polls and kill timers are dropped rather than run: the containers stay for adoption.
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    pool.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    this.scheduler = pool;
    LOG.info("container backend connected to the Docker engine at {}", engineAddress);
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The attempt's files are mounted at {@value #ATTEMPT_FILES_TARGET}: this works when the engine runs on the
   * executor's host (the directory is the executor's).
   */
  @Override
  public boolean takesAttemptFiles() {
    return true;
  }

  /** The engine address in use, for messages and logs. */
  public String engineAddress() {
    return engineAddress;
  }

  /**
   * Creates and starts the attempt's container, or adopts the one an earlier launch of the same attempt created.
   *
   * @throws LaunchException INVALID_SPEC for a bad block, one the policy refuses or one the engine refuses, IMAGE_MISSING when the image is
   *     not there and cannot be pulled, LAUNCH_ERROR when the container cannot start; nothing is left behind
   */
  @Override
  public RunningAttempt launch(AttemptRequest request, AttemptListener listener) throws LaunchException {
    ensureOpen();
    ContainerSpec spec = ContainerSpec.parse(request.block());
    settings.policy().check(spec);
    Limits limits = Limits.of(spec.effectiveResources(request.task().resources()));
    AttemptId id = request.id();
    String name = containerName(id);

    ContainerAttempt already = watched.get(name);
    if (already != null) return already;
    Optional<InspectContainerResponse> existing = inspectByName(name);
    if (existing.isPresent()) {
      LOG.info("{}: container {} already exists (a repeated launch); adopting it", id, name);
      return attach(id, existing.get(), listener, request.timeout());
    }

    ensureImage(spec);
    String containerId;
    try {
      containerId = createCommand(request, spec, limits, name).exec().getId();
    } catch (ConflictException e) {
      // Another launch of the same attempt won the race to the name: adopt its container.
      InspectContainerResponse other = inspectByName(name).orElseThrow(() -> new LaunchException(
          FailureKind.LAUNCH_ERROR, "container name " + name + " is taken but no such container is found", e));
      return attach(id, other, listener, request.timeout());
    } catch (NotFoundException e) {
      String msg = engineMessage(e);
      if (msg.contains("image")) {
        throw new LaunchException(FailureKind.IMAGE_MISSING,
            "image " + spec.image() + " vanished from the Docker engine before the container was created: " + msg, e);
      }
      throw new LaunchException(FailureKind.INVALID_SPEC, "the Docker engine refused the container: " + msg, e);
    } catch (BadRequestException e) {
      throw new LaunchException(FailureKind.INVALID_SPEC, "the Docker engine refused the container: " + engineMessage(e), e);
    } catch (DockerException e) {
      throw new LaunchException(FailureKind.LAUNCH_ERROR,
          "creating container " + name + " failed: " + engineMessage(e), e);
    }
    startOrRemove(id, containerId, name);
    return watch(id, containerId, name, spec.keep(), listener, request.timeout());
  }

  @Override
  public List<AttemptId> findRunning() {
    ensureOpen();
    List<Container> containers = docker.listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(LABEL_EXECUTOR, NAME))
        .exec();
    List<AttemptId> found = new ArrayList<>();
    for (Container c : containers) {
      String name = c.getNames() == null || c.getNames().length == 0 ? "" : c.getNames()[0].replaceFirst("^/", "");
      if (name.endsWith(REPORTED_SUFFIX) || watched.containsKey(name)) continue;
      String scope = c.getLabels() == null ? null : c.getLabels().get(LABEL_SCOPE);
      if (!Objects.equals(scope, settings.scope())) continue;
      Optional<AttemptId> id = attemptOf(c.getLabels());
      if (id.isEmpty()) {
        LOG.warn("container {} ({}) carries {}={} but no readable attempt labels; ignoring it",
            name, c.getId(), LABEL_EXECUTOR, NAME);
        continue;
      }
      found.add(id.get());
    }
    return found;
  }

  @Override
  public RunningAttempt adopt(AttemptId id, AttemptListener listener) {
    ensureOpen();
    String name = containerName(id);
    ContainerAttempt already = watched.get(name);
    if (already != null) return already;
    Optional<InspectContainerResponse> container = inspectByName(name);
    if (container.isEmpty()) return null;
    try {
      return attach(id, container.get(), listener, null);
    } catch (LaunchException e) {
      LOG.warn("{}: adopting container {} failed: {}", id, name, e.getMessage());
      return null;
    }
  }

  /**
   * Stops the attempt's container when it runs on this engine in this backend's scope and this backend does not watch
   * it: SIGTERM now, SIGKILL after the grace. The container is not removed here: an executor still watching it (one
   * that lost the partition in a rebalance) reports and removes it, or the next one to start adopts it and reports it
   * from its recorded exit code.
   */
  @Override
  public boolean stopUnwatched(AttemptId id, Duration grace, String reason) {
    if (closed) return false;
    String name = containerName(id);
    if (watched.containsKey(name)) return false;
    Optional<InspectContainerResponse> found;
    try {
      found = inspectByName(name);
    } catch (RuntimeException e) {
      LOG.warn("{}: looking for container {} to stop it failed: {}", id, name, e.toString());
      return false;
    }
    if (found.isEmpty()) return false;
    InspectContainerResponse c = found.get();
    Map<String, String> labels = c.getConfig() == null || c.getConfig().getLabels() == null ? Map.of() : c.getConfig().getLabels();
    boolean ours = attemptOf(labels).map(id::equals).orElse(false) && Objects.equals(labels.get(LABEL_SCOPE), settings.scope());
    boolean running = c.getState() != null && Boolean.TRUE.equals(c.getState().getRunning());
    if (!ours || !running) return false;
    LOG.warn("{}: stopping container {}, which no executor here watches ({}); SIGKILL after {}", id, name, reason, grace);
    String containerId = c.getId();
    scheduler.execute(() -> signal(containerId, "SIGTERM"));
    scheduler.schedule(() -> signal(containerId, "SIGKILL"), grace.toMillis(), TimeUnit.MILLISECONDS);
    return true;
  }

  /** Leaves every container running: a restarted executor adopts them. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    BackendThreads.stop(scheduler, Duration.ofSeconds(5));
    watched.clear();
    closeQuietly();
  }

  /**
   * Deterministic container name for an attempt. Ids are sanitised to Docker's name charset, so a short hash of
   * the exact ids is appended: without it {@code run "a-b", task "c"} and {@code run "a", task "b-c"} (or two ids
   * differing only in a replaced character) would share a name, and the second would adopt the first's container.
   */
  public static String containerName(AttemptId id) {
    String readable = "weft-" + sanitize(id.runId()) + "-" + sanitize(id.taskId()) + "-" + id.attempt();
    if (readable.length() > 200) readable = readable.substring(0, 200);
    return readable + "-" + shortHash(id.runId() + "\u0000" + id.taskId() + "\u0000" + id.attempt());
  }

  // ---- package-private plumbing for ContainerAttempt ----

  DockerClient docker() {
    return docker;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  Settings settings() {
    return settings;
  }

  boolean isClosed() {
    return closed;
  }

  void forget(ContainerAttempt attempt) {
    watched.values().remove(attempt);
  }

  /** Sends a signal; a container that is already gone or stopped needs none. */
  void signal(String containerId, String signal) {
    if (closed) return;
    try {
      docker.killContainerCmd(containerId).withSignal(signal).exec();
    } catch (NotFoundException | ConflictException | NotModifiedException e) {
      LOG.debug("{} to {} not delivered (already stopped): {}", signal, containerId, e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("sending {} to container {} failed: {}", signal, containerId, e.toString());
    }
  }

  /** Removes a finished container, or sets a kept one aside so it is not offered for adoption again. */
  void dispose(String containerId, String name, boolean keep) {
    try {
      if (keep) {
        docker.renameContainerCmd(containerId).withName(name + REPORTED_SUFFIX).exec();
      } else {
        docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
      }
    } catch (NotFoundException e) {
      LOG.debug("container {} already gone", containerId);
    } catch (RuntimeException e) {
      LOG.warn("cleaning up container {} ({}) failed: {}", name, containerId, e.toString());
    }
  }

  /** Last lines of stdout+stderr, at most {@link #LOG_TAIL_CHARS}, and the last non-blank line for the reason. */
  LogTail readLogs(String containerId) {
    StringBuilder all = new StringBuilder();
    StringBuilder stderr = new StringBuilder();
    ResultCallback.Adapter<Frame> callback = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        String text = new String(frame.getPayload(), StandardCharsets.UTF_8);
        synchronized (all) {
          all.append(text);
          if (frame.getStreamType() == StreamType.STDERR) stderr.append(text);
        }
      }
    };
    try (var cb = docker.logContainerCmd(containerId).withStdOut(true).withStdErr(true).withTail(LOG_TAIL_LINES)
        .exec(callback)) {
      if (!cb.awaitCompletion(20, TimeUnit.SECONDS)) {
        LOG.warn("log tail of container {} did not complete in 20 s; using what arrived", containerId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      LOG.debug("closing the log stream of {} failed: {}", containerId, e.toString());
    }
    synchronized (all) {
      String text = all.length() <= LOG_TAIL_CHARS ? all.toString() : all.substring(all.length() - LOG_TAIL_CHARS);
      String last = lastLine(stderr);
      if (last.isEmpty()) last = lastLine(all);
      return new LogTail(text, last);
    }
  }

  record LogTail(String text, String lastLine) {
    static final LogTail EMPTY = new LogTail("", "");
  }

  // ---- internals ----

  private RunningAttempt attach(AttemptId id, InspectContainerResponse container, AttemptListener listener,
      Duration timeout) throws LaunchException {
    String name = container.getName() == null ? containerName(id) : container.getName().replaceFirst("^/", "");
    Map<String, String> labels = container.getConfig() == null || container.getConfig().getLabels() == null
        ? Map.of() : container.getConfig().getLabels();
    Optional<AttemptId> owner = attemptOf(labels);
    if (owner.isEmpty() || !owner.get().equals(id)) {
      throw new LaunchException(FailureKind.LAUNCH_ERROR, "container " + name + " belongs to "
          + owner.map(AttemptId::toString).orElse("no weft attempt") + ", not to " + id + "; remove it or rename it");
    }
    boolean keep = "true".equals(labels.get(LABEL_KEEP));
    if (container.getState() != null && "created".equals(container.getState().getStatus())) {
      // The earlier launch died between create and start.
      startOrRemove(id, container.getId(), name);
    }
    return watch(id, container.getId(), name, keep, listener, timeout);
  }

  private ContainerAttempt watch(AttemptId id, String containerId, String name, boolean keep,
      AttemptListener listener, Duration timeout) {
    ContainerAttempt attempt = new ContainerAttempt(this, id, containerId, name, keep, listener);
    ContainerAttempt raced = watched.putIfAbsent(name, attempt);
    if (raced != null) return raced;
    attempt.watch(timeout);
    return attempt;
  }

  private void startOrRemove(AttemptId id, String containerId, String name) throws LaunchException {
    try {
      docker.startContainerCmd(containerId).exec();
    } catch (NotModifiedException e) {
      LOG.debug("{}: container {} was already started", id, name);
    } catch (RuntimeException e) {
      // The interface promises nothing is left running when launch fails; a created container that could not
      // start would also block the name for a later attempt of the same id.
      dispose(containerId, name, false);
      throw new LaunchException(FailureKind.LAUNCH_ERROR, "container " + name + " could not start: "
          + engineMessage(e) + "; check container.command/entrypoint and that the image has them", e);
    }
  }

  private CreateContainerCmd createCommand(AttemptRequest request, ContainerSpec spec, Limits limits, String name) {
    AttemptId id = request.id();
    Map<String, String> labels = new LinkedHashMap<>(spec.labels());
    labels.put(LABEL_RUN, id.runId());
    labels.put(LABEL_TASK, id.taskId());
    labels.put(LABEL_ATTEMPT, Integer.toString(id.attempt()));
    labels.put(LABEL_EXECUTOR, NAME);
    labels.put(LABEL_KEEP, Boolean.toString(spec.keep()));
    if (settings.scope() != null) labels.put(LABEL_SCOPE, settings.scope());
    if (request.pipeline() != null) labels.put(LABEL_PIPELINE, request.pipeline());

    List<Mount> mounts = new ArrayList<>();
    for (ContainerSpec.Mount m : spec.allMounts()) {
      mounts.add(new Mount().withType(MountType.BIND).withSource(m.hostPath()).withTarget(m.target())
          .withReadOnly(m.isReadOnly()));
    }
    if (request.files() != null) {
      // The attempt's own directory, writable even under a read-only root: its result and spawned tasks.
      mounts.add(new Mount().withType(MountType.BIND).withSource(request.files().dir().toString())
          .withTarget(ATTEMPT_FILES_TARGET).withReadOnly(false));
    }
    HostConfig host = HostConfig.newHostConfig()
        .withPrivileged(false)
        .withCapDrop(Capability.ALL)
        .withSecurityOpts(List.of("no-new-privileges"))
        .withReadonlyRootfs(spec.readOnlyRoot())
        .withNetworkMode(spec.networkOrDefault())
        .withMounts(mounts);
    if (spec.readOnlyRoot()) {
      // Programs expect a writable /tmp; tmpfs pages count against the memory limit, so this is bounded too.
      host.withTmpFs(Map.of("/tmp", "rw,nosuid,nodev,mode=1777"));
    }
    if (limits.nanoCpus() != null) host.withNanoCPUs(limits.nanoCpus());
    if (limits.memoryBytes() != null) {
      host.withMemory(limits.memoryBytes());
      host.withMemorySwap(limits.memoryBytes());
    }
    if (limits.pids() != null) host.withPidsLimit(limits.pids());

    CreateContainerCmd cmd = docker.createContainerCmd(spec.image())
        .withName(name)
        .withLabels(labels)
        .withUser(spec.userOrDefault())
        .withHostConfig(host);
    if (!spec.command().isEmpty()) cmd.withCmd(spec.command());
    if (spec.entrypoint() != null) cmd.withEntrypoint(spec.entrypoint());
    // The attempt's own variables (TaskEnvironment) are added after the task's and replace any of the same name.
    List<String> env = new ArrayList<>();
    TaskEnvironment.over(spec.env(), id, request.files() == null ? null : ATTEMPT_FILES_TARGET + "/" + AttemptFiles.RESULT_NAME,
        request.files() == null ? null : ATTEMPT_FILES_TARGET + "/" + AttemptFiles.SPAWN_NAME)
        .forEach((k, v) -> env.add(k + "=" + (v == null ? "" : v)));
    cmd.withEnv(env);
    if (spec.workdir() != null) cmd.withWorkingDir(spec.workdir());
    return cmd;
  }

  /** Makes sure the image is on the engine, pulling per the spec's policy within the pull timeout. */
  private void ensureImage(ContainerSpec spec) throws LaunchException {
    String image = spec.image();
    ContainerSpec.PullPolicy policy = spec.pullPolicyValue();
    boolean present = imagePresent(image);
    if (present && policy != ContainerSpec.PullPolicy.ALWAYS) return;
    if (policy == ContainerSpec.PullPolicy.NEVER) {
      throw new LaunchException(FailureKind.IMAGE_MISSING, "image " + image + " is not on the Docker engine at "
          + engineAddress + " and pullPolicy is never; build or load it there (docker build / docker load) first");
    }
    if (!spec.pullable()) {
      throw new LaunchException(FailureKind.IMAGE_MISSING, "image id " + image + " is not on the Docker engine at "
          + engineAddress + "; an image id cannot be pulled, name it by repository:tag or load it first");
    }
    pull(image);
    if (!imagePresent(image)) {
      throw new LaunchException(FailureKind.IMAGE_MISSING, "image " + image
          + " is still not on the Docker engine after a pull that reported success");
    }
  }

  private boolean imagePresent(String image) throws LaunchException {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (BadRequestException e) {
      throw new LaunchException(FailureKind.INVALID_SPEC,
          "container.image '" + image + "' is not a valid image reference: " + engineMessage(e), e);
    }
  }

  private void pull(String image) throws LaunchException {
    String repository = image;
    String tag = null;
    if (!image.contains("@")) {
      int slash = image.lastIndexOf('/');
      int colon = image.lastIndexOf(':');
      if (colon > slash) {
        repository = image.substring(0, colon);
        tag = image.substring(colon + 1);
      } else {
        // Without a tag the engine would pull every tag of the repository.
        tag = "latest";
      }
    }
    Duration timeout = settings.pullTimeout();
    LOG.info("pulling image {} (timeout {})", image, timeout);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    // docker-java's callback logs every stream error at ERROR before handing it on; a failed pull is an ordinary
    // attempt failure here, reported once through the LaunchException.
    PullImageResultCallback callback = docker.pullImageCmd(repository).withTag(tag).exec(new PullImageResultCallback() {
      @Override
      public void onError(Throwable throwable) {
        failure.compareAndSet(null, throwable);
        try {
          close();
        } catch (IOException e) {
          LOG.debug("closing the pull stream of {} failed: {}", image, e.toString());
        }
      }
    });
    try {
      if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new LaunchException(FailureKind.IMAGE_MISSING, "pulling image " + image + " did not finish within "
            + timeout + "; check that the registry is reachable from the Docker engine, or load the image there");
      }
      if (failure.get() != null) throw failure.get() instanceof RuntimeException r ? r : new RuntimeException(failure.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LaunchException(FailureKind.IMAGE_MISSING, "pulling image " + image + " was interrupted", e);
    } catch (RuntimeException e) {
      throw new LaunchException(FailureKind.IMAGE_MISSING, "image " + image + " is not on the Docker engine at "
          + engineAddress + " and pulling it failed: " + engineMessage(e)
          + "; check the name and that the registry is reachable, or load the image there", e);
    } finally {
      try {
        callback.close();
      } catch (IOException e) {
        LOG.debug("closing the pull stream of {} failed: {}", image, e.toString());
      }
    }
  }

  private Optional<InspectContainerResponse> inspectByName(String name) {
    try {
      return Optional.of(docker.inspectContainerCmd(name).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private static Optional<AttemptId> attemptOf(Map<String, String> labels) {
    if (labels == null) return Optional.empty();
    String run = labels.get(LABEL_RUN);
    String task = labels.get(LABEL_TASK);
    String attempt = labels.get(LABEL_ATTEMPT);
    if (run == null || task == null || attempt == null) return Optional.empty();
    try {
      return Optional.of(new AttemptId(run, task, Integer.parseInt(attempt)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Limits as the engine takes them, checked. */
  record Limits(Long nanoCpus, Long memoryBytes, Long pids) {
    static Limits of(Resources r) throws LaunchException {
      if (r == null) return new Limits(null, null, null);
      Long nano = null;
      if (r.cpu() != null) {
        if (!(r.cpu() > 0)) throw ContainerSpec.invalid("resources.cpu must be a positive fraction of cores; got " + r.cpu());
        nano = Math.round(r.cpu() * 1_000_000_000d);
      }
      Long memory = null;
      if (r.memory() != null) {
        try {
          memory = MemorySize.parseBytes(r.memory());
        } catch (IllegalArgumentException e) {
          throw ContainerSpec.invalid("resources.memory: " + e.getMessage());
        }
        if (memory <= 0) throw ContainerSpec.invalid("resources.memory must be positive; got " + r.memory());
      }
      Long pids = r.pids();
      if (pids != null && pids <= 0) throw ContainerSpec.invalid("resources.pids must be positive; got " + pids);
      return new Limits(nano, memory, pids);
    }
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException("the container backend is closed");
  }

  private void closeQuietly() {
    try {
      docker.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing the Docker client failed: {}", e.toString());
    }
  }

  private static String sanitize(String part) {
    return NAME_UNSAFE.matcher(part).replaceAll("_");
  }

  private static String shortHash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String lastLine(CharSequence text) {
    String[] lines = text.toString().split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank()) return lines[i].strip();
    }
    return "";
  }

  /** The engine's own message out of docker-java's "Status 400: {"message":"..."}" wrapping. */
  static String engineMessage(Throwable e) {
    String text = e.getMessage() == null ? e.toString() : e.getMessage();
    Matcher m = ENGINE_MESSAGE.matcher(text);
    if (m.find()) return m.group(1).replace("\\\"", "\"").replace("\\n", " ").strip();
    return text.replaceAll("[\\r\\n]+", " ").strip();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) t = t.getCause();
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
