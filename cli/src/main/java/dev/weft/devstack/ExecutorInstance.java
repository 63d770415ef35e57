package dev.weft.devstack;

import dev.weft.coordinator.StableInstanceId;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One executor instance run as a service ({@code weft executor NAME}, {@code weft dev}): an {@link ExecutorRuntime}
 * under a stable instance id kept in its state directory, as a static member of its group.
 *
 * <p>Why: the instance id names the executor's transactional producer and, here, its static group membership. A
 * restarted instance (same state directory, so same id) fences the dead one's open transaction at once, where a new
 * id left it open until it timed out (15 s) and held back every read_committed reader of task-events behind it; and it
 * rejoins as the member it was and gets its command partitions back at once, where a new member waited until the dead
 * one's session expired (45 s by default, {@link #SESSION_TIMEOUT_MS} here).
 *
 * <p>A static member does not leave its group when its consumer closes (Kafka keeps it for its return), so a graceful
 * {@link #close()} removes it through the admin API once the runtime has stopped: the other instances take its
 * partitions over at once instead of after its session timeout.
 */
public final class ExecutorInstance implements AutoCloseable {
  /**
   * Between SIGTERM and SIGKILL when an attempt is cancelled, timed out, or running when the executor stops. The
   * runtime's default is 10 s; a stop waits for it (and a few seconds more) when a task ignores SIGTERM, so with it a
   * SIGTERM to the executor could take longer than the 10 s a service has to stop.
   */
  public static final Duration SERVICE_CANCEL_GRACE = Duration.ofSeconds(5);
  /** See {@code Coordinator.SESSION_TIMEOUT_MS}: how long a silent (crashed) member keeps its partitions. */
  public static final int SESSION_TIMEOUT_MS = 10_000;
  private static final int HEARTBEAT_INTERVAL_MS = 2_000;
  private static final Duration LEAVE_TIMEOUT = Duration.ofSeconds(5);
  private static final Logger LOG = LoggerFactory.getLogger(ExecutorInstance.class);

  private final StableInstanceId identity;
  private final ExecutorRuntime runtime;
  /** Made for this instance, and closed with it once the runtime has wound its attempts down. */
  private final ExecutorBackend backend;
  /** What the admin client that leaves the group on close needs: the bootstrap servers and the shared settings. */
  private final Map<String, Object> adminProperties;

  private ExecutorInstance(StableInstanceId identity, ExecutorRuntime runtime, ExecutorBackend backend,
      Map<String, Object> adminProperties) {
    this.identity = identity;
    this.runtime = runtime;
    this.backend = backend;
    this.adminProperties = adminProperties;
  }

  /**
   * Claims {@code stateDir} (its instance id), starts the runtime and waits until it runs.
   *
   * @param givenId the instance id to use and keep, or null for the one kept in {@code stateDir} (new on first start)
   * @throws IllegalStateException when another instance holds {@code stateDir} or the runtime does not start
   */
  public static ExecutorInstance start(ExecutorConfig.Builder config, ExecutorBackend backend, Path stateDir,
      String givenId) {
    return start(config, backend.name(), id -> backend, stateDir, givenId);
  }

  /**
   * Like {@link #start(ExecutorConfig.Builder, ExecutorBackend, Path, String)}, with the backend made once the
   * instance id is known (a backend that names its work by instance, to adopt it after a restart, needs it).
   */
  public static ExecutorInstance start(ExecutorConfig.Builder config, String name,
      java.util.function.Function<String, ExecutorBackend> backendFor, Path stateDir, String givenId) {
    return start(config, name, backendFor, stateDir, givenId, new CompositeMeterRegistry());
  }

  /** As above, with the runtime's metrics in {@code registry}. */
  public static ExecutorInstance start(ExecutorConfig.Builder config, String name,
      java.util.function.Function<String, ExecutorBackend> backendFor, Path stateDir, String givenId,
      MeterRegistry registry) {
    StableInstanceId identity = StableInstanceId.claim(stateDir, givenId, name + "-executor");
    ExecutorBackend backend = null;
    try {
      backend = backendFor.apply(identity.id());
      ExecutorConfig c = config.instanceId(identity.id())
          .clientProperty("consumer." + ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
              identity.id())
          .clientProperty("consumer." + ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
              SESSION_TIMEOUT_MS)
          .clientProperty("consumer." + ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
              HEARTBEAT_INTERVAL_MS)
          .build();
      ExecutorRuntime runtime = new ExecutorRuntime(c, backend, registry);
      runtime.start();
      return new ExecutorInstance(identity, runtime, backend, adminProperties(c));
    } catch (RuntimeException e) {
      if (backend != null) closeQuietly(backend);
      identity.close();
      throw e;
    }
  }

  public ExecutorRuntime runtime() {
    return runtime;
  }

  public String instanceId() {
    return identity.id();
  }

  /**
   * Stops the runtime gracefully, leaves the group, closes the backend (its clients and helper processes; the runtime
   * has cancelled or left its work by then), and frees the state directory.
   */
  @Override
  public void close() {
    try {
      runtime.close();
      leaveGroup();
    } finally {
      closeQuietly(backend);
      identity.close();
    }
  }

  private static void closeQuietly(ExecutorBackend backend) {
    try {
      backend.close();
    } catch (Exception e) {
      LOG.warn("closing the {} backend: {}", backend.name(), e.toString());
    }
  }

  /**
   * The runtime's client settings meant for every client (security, for one: keys without a {@code producer.} or
   * {@code consumer.} prefix), with the bootstrap servers and this admin client's short timeouts.
   */
  private static Map<String, Object> adminProperties(ExecutorConfig c) {
    Map<String, Object> p = new java.util.HashMap<>();
    c.clientProperties().forEach((k, v) -> {
      if (!k.startsWith("producer.") && !k.startsWith("consumer.")) p.put(k, v);
    });
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) LEAVE_TIMEOUT.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) LEAVE_TIMEOUT.toMillis());
    return Map.copyOf(p);
  }

  private void leaveGroup() {
    try (Admin admin = Admin.create(adminProperties)) {
      admin.removeMembersFromConsumerGroup(runtime.groupId(),
              new RemoveMembersFromConsumerGroupOptions(List.of(new MemberToRemove(identity.id()))))
          .all().get(LEAVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // Not a member (it never joined, or was already removed): nothing to leave.
      if (!(e.getCause() instanceof UnknownMemberIdException)) warnNotLeft(e.getCause());
    } catch (TimeoutException | RuntimeException e) {
      warnNotLeft(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      warnNotLeft(e);
    }
  }

  private void warnNotLeft(Throwable e) {
    LOG.warn("executor {} could not leave group {} ({}); its partitions move to the others after its session times out"
        + " ({} ms)", identity.id(), runtime.groupId(), e.toString(), SESSION_TIMEOUT_MS);
  }
}
