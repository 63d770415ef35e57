package dev.weft.tests;

import dev.weft.client.RunResult;
import dev.weft.client.RunListener;
import dev.weft.client.SubmittedRun;
import dev.weft.client.WeftClient;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.CoordinatorConfig;
import dev.weft.devstack.DevStack;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpecs;
import dev.weft.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A Weft of its own on the shared broker and registry: its own topic prefix, its own coordinator (application id,
 * state dir), and only the executors the test starts, so a test can kill, restart and count them.
 */
public final class IsolatedWeft implements AutoCloseable {
  public final DevStack shared = SharedStack.get();
  public final String prefix;
  public final Topics topics;
  public final WeftSerdes serdes;
  public final Path dir;
  private Coordinator coordinator;
  private final List<ExecutorRuntime> executors = new ArrayList<>();
  private final WeftClient client;
  private final int partitions;

  public IsolatedWeft(String name, int partitions) {
    this.prefix = name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    this.topics = new Topics(prefix);
    this.serdes = shared.serdes();
    this.partitions = partitions;
    try {
      this.dir = Files.createDirectories(Path.of("target", "isolated", prefix)).toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    shared.kafka().createTopics(topics.all(PipelineSpecs.EXECUTORS.stream().sorted().toList()), partitions);
    startCoordinator();
    this.client = new WeftClient(shared.bootstrapServers(), serdes, topics);
  }

  /** Starts (or restarts, on the same state) this Weft's coordinator. */
  public Coordinator startCoordinator() {
    CoordinatorConfig c = CoordinatorConfig.defaults(shared.bootstrapServers(), dir.resolve("coordinator"))
        .withTopics(topics).withApplicationId(prefix + "coordinator").withApiPort(0);
    coordinator = Coordinator.start(c, serdes, Duration.ofSeconds(90));
    return coordinator;
  }

  public Coordinator coordinator() {
    return coordinator;
  }

  public void stopCoordinator() {
    coordinator.close();
  }

  /** Starts one executor instance on this Weft's topics; configure tweaks the builder (instance id, limits). */
  public ExecutorRuntime startExecutor(ExecutorBackend backend, java.util.function.Consumer<ExecutorConfig.Builder> configure) {
    ExecutorConfig.Builder b = ExecutorConfig.builder(shared.bootstrapServers(), serdes.taskCommand(), serdes.taskEvent())
        .topics(topics).groupId(prefix + "executor-" + backend.name());
    configure.accept(b);
    ExecutorRuntime r = new ExecutorRuntime(b.build(), backend);
    r.start();
    executors.add(r);
    return r;
  }

  public ExecutorRuntime startExecutor(ExecutorBackend backend) {
    return startExecutor(backend, b -> {});
  }

  public WeftClient client() {
    return client;
  }

  public SubmittedRun submit(String yaml, Map<String, String> params) throws Exception {
    return client.submit(PipelineSpecs.parse(yaml), params, null, null);
  }

  public RunResult await(SubmittedRun run, Duration timeout) throws Exception {
    return client.await(run, timeout, RunListener.NONE);
  }

  public RunResult run(String yaml, Map<String, String> params, Duration timeout) throws Exception {
    return await(submit(yaml, params), timeout);
  }

  public int partitions() {
    return partitions;
  }

  @Override
  public void close() {
    client.close();
    for (ExecutorRuntime r : executors) {
      try {
        r.close();
      } catch (RuntimeException e) {
        // already halted or closed by the test
      }
    }
    if (coordinator != null) coordinator.close();
  }
}
