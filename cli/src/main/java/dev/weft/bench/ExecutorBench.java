package dev.weft.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.avro.TaskEvent;
import dev.weft.avro.TaskEventKind;
import dev.weft.coordinator.Coordinator;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.executor.ExecutorConfig;
import dev.weft.executor.ExecutorRuntime;
import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.AttemptListener;
import dev.weft.executor.backend.AttemptOutcome;
import dev.weft.executor.backend.AttemptRequest;
import dev.weft.executor.backend.ExecutorBackend;
import dev.weft.executor.container.ContainerBackend;
import dev.weft.executor.process.ProcessBackend;
import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.SpecJson;
import dev.weft.spec.TaskSpec;
import dev.weft.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Real executors against what the machine itself can do: the {@code process} executor running {@code true}, one
 * instance and then two in one group, beside {@code true} forked by this JVM in a plain loop; the {@code container}
 * executor running the busybox test image, beside {@code docker run --rm} of that image in a loop. Both floors are
 * the better of one loop and of loops on as many threads as the executors may run attempts at once, so the floor
 * is the best this machine did, not a strawman.
 *
 * <p>Each workload is {@code tasks} independent tasks spread over ten runs, submitted at once; a round's rate is
 * tasks divided by the time from the first request to the last RunFinished. One unmeasured round of a fifth of the
 * size goes first, for the same reason as the throughput section's warm-up.
 */
final class ExecutorBench {
  /** The image tests/docker/ensure-docker.sh builds; {@code WEFT_BENCH_IMAGE} names another. */
  static final String DEFAULT_IMAGE = "weft-test/busybox:1";
  private static final int RUNS = 10;
  private static final int MAX_CONTAINER_TASKS = 60;
  private static final Duration TIMEOUT = Duration.ofMinutes(15);
  /** What an executor reports at the end of an attempt. */
  private static final Set<TaskEventKind> OUTCOMES = EnumSet.of(TaskEventKind.SUCCEEDED, TaskEventKind.FAILED,
      TaskEventKind.SKIPPED, TaskEventKind.CANCELLED);

  private final BenchCluster cluster;
  private final Consumer<String> say;
  private final int tasks;
  /**
   * One measured round: its rate, how long an attempt held its slot, from its STARTED stamp to its outcome's (an
   * instance's throughput is its slots over this time), and the transactions a task cost the executors and the
   * coordinator (each costs the broker about the same whatever it carries).
   */
  private record Round(int instances, double tasksPerS, long[] attemptMs, double executorTransactionsPerTask,
      double coordinatorCommitsPerTask) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("instances", instances);
      m.put("tasks_per_s", tasksPerS);
      m.put("executor_transactions_per_task", executorTransactionsPerTask);
      m.put("coordinator_commits_per_task", coordinatorCommitsPerTask);
      m.put("attempt_p10_ms", DispatchBench.percentile(attemptMs, 0.1));
      m.put("attempt_p50_ms", DispatchBench.percentile(attemptMs, 0.5));
      m.put("attempt_p90_ms", DispatchBench.percentile(attemptMs, 0.9));
      return m;
    }
  }

  ExecutorBench(BenchCluster cluster, Consumer<String> say) {
    this.cluster = cluster;
    this.say = say;
    this.tasks = Math.max(RUNS, cluster.options.executorTasks());
  }

  /** Adds the section's figures to {@code r} and its details to {@code details}. */
  void run(Map<String, Object> r, Map<String, Object> details) throws Exception {
    int concurrency = ExecutorConfig.DEFAULT_MAX_CONCURRENT;
    Map<String, Object> process = new LinkedHashMap<>();
    String launcher;
    try (ProcessBackend probe = new ProcessBackend()) {
      launcher = probe.launcher();
    }
    say.accept("executors: the process executor (tasks started by its " + launcher + ") running `true`, " + tasks
        + " tasks, one instance then two");
    IntFunction<PipelineBuilder.Task> trueProcess = i -> PipelineBuilder.process("t" + i, "true");
    Round oneRound = executorRate("process", "proc1", tasks, trueProcess, 1, this::processBackend);
    Round twoRound = executorRate("process", "proc2", tasks, trueProcess, 2, this::processBackend);
    double one = oneRound.tasksPerS();
    double two = twoRound.tasksPerS();
    // Between the floor and the executor: the same backend launching `true` as many at once as one instance runs,
    // with no Kafka: what the launcher itself allows (see "The fork server" in docs/performance.md).
    say.accept("  the process backend alone, no Kafka: " + tasks + " tasks of `true`, " + concurrency + " at once");
    Map<String, Object> backendAlone = backendAlone(tasks, concurrency);
    say.accept("  the floor: `true` forked by this JVM in a loop, on 1 and on " + 2 * concurrency + " threads");
    Map<String, Object> forkFloor = floor(tasks, 2 * concurrency, () -> fork(List.of("true")));
    // What a task launch needs at the least: its own process group, i.e. `setsid true`, one exec more than `true`
    // (ChildLauncher). Reported beside the floor, so that the share an exec takes of the gap shows in the same run.
    say.accept("  the same with the task in a process group of its own: `setsid true`");
    Map<String, Object> groupFloor = floor(tasks, 2 * concurrency, () -> fork(List.of("setsid", "true")));
    r.put("process_tasks_per_s", round(two));
    r.put("process_floor_tasks_per_s", forkFloor.get("tasks_per_s"));
    r.put("process_floor_ratio", round4(two / (double) forkFloor.get("tasks_per_s")));
    r.put("process_backend_alone_tasks_per_s", backendAlone.get("tasks_per_s"));
    r.put("process_group_floor_tasks_per_s", groupFloor.get("tasks_per_s"));
    r.put("process_group_floor_ratio", round4(two / (double) groupFloor.get("tasks_per_s")));
    process.put("one_instance_tasks_per_s", round(one));
    process.put("two_instances_tasks_per_s", round(two));
    process.put("max_concurrent_per_instance", concurrency);
    process.put("launcher", launcher);
    process.put("rounds", List.of(oneRound.toMap(), twoRound.toMap()));
    process.put("backend_alone", backendAlone);
    process.put("floor", forkFloor);
    process.put("group_floor", groupFloor);
    details.put("process", process);

    String image = System.getenv().getOrDefault("WEFT_BENCH_IMAGE", DEFAULT_IMAGE);
    String why = dockerUnavailable(image);
    if (why != null) {
      say.accept("executors: container pair skipped: " + why);
      details.put("container", Map.of("skipped", why));
      return;
    }
    // A container takes about 0.6 s to run here (docker run --rm: 1.7 a second): 60 of them, and 120 for the floor,
    // measure the ratio within three minutes; a fifth of the process tasks (400) took a quarter of an hour.
    int containerTasks = Math.max(RUNS, Math.min(MAX_CONTAINER_TASKS, tasks / 5));
    say.accept("executors: the container executor running " + image + " `true`, " + containerTasks + " tasks");
    JsonNode block = SpecJson.MAPPER.valueToTree(Map.of("image", image, "command", List.of("true")));
    Round containerRound = executorRate("container", "cont", containerTasks,
        i -> PipelineBuilder.of("t" + i, "container", block), 1,
        n -> new ContainerBackend(ContainerBackend.Settings.defaults().withScope(cluster.topics("cont").prefix())));
    say.accept("  the floor: `docker run --rm " + image + " true` in a loop, on 1 and on " + concurrency + " threads");
    List<String> dockerRun = List.of("docker", "run", "--rm", "--network", "none", "--user", "65534:65534",
        "--read-only", image, "true");
    Map<String, Object> dockerFloor = floor(containerTasks, concurrency, () -> fork(dockerRun));
    double containers = containerRound.tasksPerS();
    r.put("container_tasks_per_s", round(containers));
    r.put("container_floor_tasks_per_s", dockerFloor.get("tasks_per_s"));
    r.put("container_floor_ratio", round4(containers / (double) dockerFloor.get("tasks_per_s")));
    details.put("container", Map.of("image", image, "tasks", containerTasks, "tasks_per_s", round(containers),
        "round", containerRound.toMap(), "floor", dockerFloor));
  }

  /**
   * Tasks/s of {@code instances} executor instances in one group on the shape: one unmeasured round of a fifth,
   * then one measured round.
   */
  private Round executorRate(String executor, String section, int n, IntFunction<PipelineBuilder.Task> task,
      int instances, IntFunction<ExecutorBackend> backend) throws Exception {
    PipelineSpec warm = independent("bench-" + section + "-warm", Math.max(1, n / RUNS / 5), task);
    PipelineSpec shape = independent("bench-" + section, n / RUNS, task);
    Topics topics = cluster.topics(section);
    cluster.createTopics(topics);
    List<ExecutorRuntime> executors = new ArrayList<>();
    try (Coordinator coordinator = cluster.startCoordinator(topics, topics.prefix() + "coordinator",
        cluster.stateDir(section), CoordinatorOptions.DEFAULT);
        RunWatcher watcher = new RunWatcher(cluster.bootstrap, cluster.serdes, topics)) {
      for (int i = 0; i < instances; i++) {
        executors.add(cluster.startExecutor(topics, section + "-" + (i + 1), topics.prefix() + executor,
            backend.apply(i), ExecutorConfig.DEFAULT_MAX_CONCURRENT));
      }
      double warmS = submitAndWait(topics, watcher, warm, "warm");
      say.accept(String.format("  %d instance%s: warm-up %.0f tasks/s", instances, instances == 1 ? "" : "s",
          RUNS * warm.tasks().size() / warmS));
      long transactionsBefore = transactions(executors);
      double commitsBefore = commits(coordinator);
      double s = submitAndWait(topics, watcher, shape, "measured");
      int measured = RUNS * shape.tasks().size();
      double rate = measured / s;
      double transactions = (transactions(executors) - transactionsBefore) / (double) measured;
      double commits = (commits(coordinator) - commitsBefore) / measured;
      say.accept(String.format("  %d instance%s: %.0f tasks/s (%d tasks in %.1f s); per task %.2f executor "
          + "transactions, %.2f coordinator commits", instances, instances == 1 ? "" : "s", rate, measured, s,
          transactions, commits));
      return new Round(instances, round(rate), attemptMillis(topics, shape.pipeline() + "-measured-"),
          round(transactions), round(commits));
    } finally {
      for (ExecutorRuntime e : executors) e.close();
    }
  }

  /** The executors' committed transactions so far. */
  private static long transactions(List<ExecutorRuntime> executors) {
    return executors.stream().mapToLong(e -> e.counters().transactions()).sum();
  }

  /** The coordinator's commits so far, over its stream threads (Kafka Streams' {@code commit-total}). */
  private static double commits(Coordinator coordinator) {
    return coordinator.streams().metrics().values().stream()
        .filter(m -> m.metricName().name().equals("commit-total")
            && m.metricName().group().equals("stream-thread-metrics"))
        .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
  }

  /**
   * Each attempt's time from its STARTED stamp to its outcome's, in the runs whose ids start with {@code runPrefix}.
   */
  private long[] attemptMillis(Topics topics, String runPrefix) {
    Map<String, Long> started = new HashMap<>();
    List<Long> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(cluster.bootstrap, List.of(topics.taskEvents()))) {
      TaskEvent e = cluster.serdes.taskEvent().deserializer().deserialize(r.topic(), r.value());
      if (!e.getRunId().startsWith(runPrefix)) continue;
      String attempt = e.getRunId() + "/" + e.getTaskId() + "#" + e.getAttempt();
      if (e.getKind() == TaskEventKind.STARTED) {
        started.put(attempt, e.getAtMs());
      } else if (OUTCOMES.contains(e.getKind()) && started.containsKey(attempt)) {
        out.add(e.getAtMs() - started.get(attempt));
      }
    }
    long[] sorted = out.stream().mapToLong(Long::longValue).sorted().toArray();
    say.accept("  an attempt held its slot p10 / p50 / p90: " + DispatchBench.percentile(sorted, 0.1) + " / "
        + DispatchBench.percentile(sorted, 0.5) + " / " + DispatchBench.percentile(sorted, 0.9) + " ms");
    return sorted;
  }

  /**
   * {@code n} tasks of {@code true} through a {@link ProcessBackend} in this JVM, {@code atOnce} at a time, no Kafka:
   * tasks/s, and each task's time from the launch call to its reported end.
   */
  private Map<String, Object> backendAlone(int n, int atOnce) throws Exception {
    Path dir = Files.createDirectories(cluster.options.dataDir().resolve("process-alone-" + System.nanoTime()));
    TaskSpec spec = PipelineBuilder.pipeline("alone").task(PipelineBuilder.process("t", "true")).build().tasks().get(0);
    Semaphore slots = new Semaphore(atOnce);
    long[] endMs = new long[n];
    CountDownLatch done = new CountDownLatch(n);
    AtomicReference<String> failure = new AtomicReference<>();
    long start;
    try (ProcessBackend backend = new ProcessBackend(dir, null)) {
      start = System.nanoTime();
      for (int i = 0; i < n && failure.get() == null; i++) {
        slots.acquire();
        int k = i;
        long launched = System.nanoTime();
        AttemptRequest request = new AttemptRequest(new AttemptId("alone", "t" + i, 1), "alone", spec, null);
        backend.launch(request, new AttemptListener() {
          @Override
          public void trackingUrl(String url) {}

          @Override
          public void finished(AttemptOutcome outcome) {
            if (!outcome.succeeded()) failure.compareAndSet(null, "task " + k + ": " + outcome);
            endMs[k] = (System.nanoTime() - launched) / 1_000_000;
            slots.release();
            done.countDown();
          }
        });
      }
      if (failure.get() == null && !done.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the process backend alone did not end " + n + " tasks within " + TIMEOUT);
      }
    }
    if (failure.get() != null) throw new IllegalStateException("the process backend alone: " + failure.get());
    double rate = n / ((System.nanoTime() - start) / 1e9);
    Arrays.sort(endMs);
    say.accept(String.format("  alone: %.0f tasks/s; launch to end p50 %.0f ms", rate,
        DispatchBench.percentile(endMs, 0.5)));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tasks", n);
    m.put("at_once", atOnce);
    m.put("tasks_per_s", round(rate));
    m.put("launch_to_end_p50_ms", DispatchBench.percentile(endMs, 0.5));
    m.put("launch_to_end_p90_ms", DispatchBench.percentile(endMs, 0.9));
    return m;
  }

  private double submitAndWait(Topics topics, RunWatcher watcher, PipelineSpec shape, String tag) throws Exception {
    String json = PipelineSpecs.toJson(shape);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < RUNS; i++) ids.add(shape.pipeline() + "-" + tag + "-" + i + "-" + cluster.id);
    long start = System.nanoTime();
    for (String id : ids) cluster.submit(topics, id, json);
    cluster.flush();
    return (watcher.awaitAll(ids, TIMEOUT) - start) / 1e9;
  }

  private ExecutorBackend processBackend(int instance) {
    Path dir = cluster.options.dataDir().resolve("process-" + instance + "-" + System.nanoTime());
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + dir + ": " + e, e);
    }
    return new ProcessBackend(dir, dir.resolve("pids"));
  }

  /** {@code perRun} tasks with no dependencies, made by {@code task}. */
  private static PipelineSpec independent(String name, int perRun, IntFunction<PipelineBuilder.Task> task) {
    PipelineBuilder b = PipelineBuilder.pipeline(name);
    for (int i = 0; i < perRun; i++) b.task(task.apply(i));
    return b.build();
  }

  /**
   * The floor: {@code n} executions of {@code once} in one loop, then spread over {@code threads} loops; the better
   * rate is the floor, both are reported.
   */
  private Map<String, Object> floor(int n, int threads, Runnable once) throws InterruptedException {
    for (int i = 0; i < Math.max(1, n / 10); i++) once.run(); // warm the JVM's fork path, or the engine
    double sequential = loops(n, 1, once);
    double parallel = loops(n, threads, once);
    say.accept(String.format("  floor: %.0f tasks/s in one loop, %.0f on %d threads", sequential, parallel, threads));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("tasks", n);
    m.put("one_loop_tasks_per_s", round(sequential));
    m.put("threads", threads);
    m.put("parallel_loops_tasks_per_s", round(parallel));
    m.put("tasks_per_s", round(Math.max(sequential, parallel)));
    return m;
  }

  private static double loops(int n, int threads, Runnable once) throws InterruptedException {
    java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(n);
    java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
    List<Thread> ts = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          while (left.getAndDecrement() > 0) once.run();
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        }
      }, "weft-bench-floor-" + t);
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) th.join();
    if (failure.get() != null) throw failure.get();
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Runs the command to its end, its output discarded; a non-zero exit is a failure of the floor itself. */
  private static void fork(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", argv) + " did not end within 60 s");
      }
      if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", argv) + " exited " + p.exitValue());
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Why the container pair cannot be measured here, or null when an engine answers and has the image. */
  private static String dockerUnavailable(String image) {
    try {
      Process p = new ProcessBuilder("docker", "image", "inspect", "--format", "{{.Id}}", image)
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "`docker image inspect " + image + "` did not answer within 30 s";
      }
      if (p.exitValue() != 0) {
        String firstLine = out.lines().findFirst().orElse("exit " + p.exitValue());
        return "no Docker engine with the image " + image + " answers here: " + firstLine
            + " (tests/docker/ensure-docker.sh starts one and builds it; WEFT_BENCH_IMAGE names another image)";
      }
      return null;
    } catch (IOException e) {
      return "no docker command on this machine (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static double round4(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
