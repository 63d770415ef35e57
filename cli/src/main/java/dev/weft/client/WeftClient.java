package dev.weft.client;

import dev.weft.avro.RequestKind;
import dev.weft.avro.RunEvent;
import dev.weft.avro.RunRequest;
import dev.weft.serde.WeftSerdes;
import dev.weft.spec.PipelineSpec;
import dev.weft.spec.PipelineSpecs;
import dev.weft.spec.ResolvedPipeline;
import dev.weft.spec.SpecException;
import dev.weft.topics.BrokerTimeouts;
import dev.weft.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Weft from Java, without the CLI (Luigi's {@code build()}): publish a pipeline request, follow the run's events,
 * await its result, cancel it. Only Kafka is needed; the run's events are read from the one partition its id maps
 * to, starting at the time of the request.
 *
 * <pre>{@code
 * try (WeftClient weft = new WeftClient("localhost:9092", new WeftSerdes(registryUrl), Topics.DEFAULT)) {
 *   RunResult r = weft.run(PipelineSpecs.parse(yaml), Map.of("date", "2026-11-22"), Duration.ofMinutes(30));
 * }
 * }</pre>
 */
public final class WeftClient implements AutoCloseable {
  private final String bootstrap;
  private final WeftSerdes serdes;
  private final Topics topics;
  private final KafkaProducer<String, RunRequest> producer;
  private final String requester;
  private final Map<String, Object> clientProperties;

  public WeftClient(String bootstrapServers, WeftSerdes serdes, Topics topics) {
    this(bootstrapServers, serdes, topics, Map.of());
  }

  /**
   * @param clientProperties Kafka client settings (SASL, TLS, ...) for the client's producer and consumers, applied
   *     over its own
   */
  public WeftClient(String bootstrapServers, WeftSerdes serdes, Topics topics, Map<String, ?> clientProperties) {
    this.bootstrap = bootstrapServers;
    this.clientProperties = Map.copyOf(clientProperties);
    this.serdes = serdes;
    this.topics = topics;
    this.requester = System.getProperty("user.name", "unknown") + "@weft-client";
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    // With Kafka's 30 s a submit waited that long for a hung broker while the cluster had already moved the
    // partition (BrokerFailureEndToEndTest, 2026-12-04).
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, BrokerTimeouts.REQUEST_TIMEOUT_MS);
    p.putAll(this.clientProperties);
    producer = new KafkaProducer<>(p, new StringSerializer(), serdes.runRequest().serializer());
  }

  /** Submits and waits for the end of the run. */
  public RunResult run(PipelineSpec spec, Map<String, String> params, Duration timeout)
      throws SpecException, TimeoutException {
    return await(submit(spec, params, null, null), timeout, RunListener.NONE);
  }

  /**
   * Validates the spec here (so mistakes are reported before anything is sent) and publishes the request.
   *
   * @param runId null for a fresh id (or one derived from {@code idempotencyKey})
   * @param idempotencyKey null, or a key that makes re-publishing return the existing run
   * @throws SpecException when the spec is invalid; nothing is published then
   */
  public SubmittedRun submit(PipelineSpec spec, Map<String, String> params, String runId, String idempotencyKey)
      throws SpecException {
    return submit(spec, params, PipelineSpecs.resolve(spec, params), runId, idempotencyKey);
  }

  /**
   * Publishes the request for a spec that the caller has already resolved with {@code params} (a 200,000-task spec
   * takes about a second to resolve): {@code weft run} resolves before it starts its stack.
   */
  public SubmittedRun submit(PipelineSpec spec, Map<String, String> params, ResolvedPipeline resolved, String runId,
      String idempotencyKey) {
    long now = System.currentTimeMillis();
    String id = runId != null ? runId
        : idempotencyKey != null ? RunIds.fromIdempotencyKey(resolved.name(), idempotencyKey)
        : RunIds.newRunId(resolved.name(), now);
    RunRequest request = RunRequest.newBuilder().setKind(RequestKind.SUBMIT).setRunId(id).setRequestedAtMs(now)
        .setRequester(requester).setIdempotencyKey(idempotencyKey).setSpecJson(PipelineSpecs.toJson(spec))
        .setParams(new HashMap<>(params)).build();
    send(request);
    return new SubmittedRun(id, resolved.name(), now);
  }

  /** Asks the coordinator to cancel a run, or one task of it (and what depends on that task). */
  public void cancel(String runId, String taskId, String reason) {
    send(RunRequest.newBuilder().setKind(RequestKind.CANCEL).setRunId(runId).setRequestedAtMs(System.currentTimeMillis())
        .setRequester(requester).setTaskId(taskId).setReason(reason).build());
  }

  /**
   * Asks to rerun a finished run as a new run with the same spec and parameters. The request is keyed by the old
   * run, so it reaches the coordinator that holds it; that coordinator sends the new run's SUBMIT, or rejects it
   * (RUN_REJECTED under the new run id) when it no longer holds the old run.
   *
   * @param failed carry over the tasks that ended SUCCEEDED or SKIPPED, run the others again
   * @param from run these tasks and everything downstream of them again
   * @param tasks run these tasks again
   * @return the new run, to {@link #await}
   */
  public SubmittedRun rerun(String runId, boolean failed, List<String> from, List<String> tasks) {
    long now = System.currentTimeMillis();
    String pipeline = RunIds.pipelineOf(runId);
    String newRunId = RunIds.newRunId(pipeline, now);
    send(RunRequest.newBuilder().setKind(RequestKind.RERUN).setRunId(runId).setNewRunId(newRunId)
        .setRequestedAtMs(now).setRequester(requester).setRerunFailed(failed).setRerunFrom(new ArrayList<>(from))
        .setRerunTasks(new ArrayList<>(tasks)).build());
    return new SubmittedRun(newRunId, pipeline, now);
  }

  /**
   * Publishes a backfill: one run per value of {@code param}, at most {@code maxActiveRuns} at once, started by the
   * coordinator. Validates the spec with the first value first. Publishing the same backfill again (same id) starts
   * nothing new.
   *
   * @throws SpecException when the spec is invalid; nothing is published then
   */
  public void backfill(String backfillId, PipelineSpec spec, Map<String, String> params, String param,
      List<String> values, int maxActiveRuns, int priority) throws SpecException {
    Map<String, String> first = new HashMap<>(params);
    first.put(param, values.get(0));
    PipelineSpecs.resolve(spec, first);
    send(RunRequest.newBuilder().setKind(RequestKind.BACKFILL).setRunId(backfillId)
        .setRequestedAtMs(System.currentTimeMillis()).setRequester(requester).setSpecJson(PipelineSpecs.toJson(spec))
        .setParams(new HashMap<>(params)).setBackfill(dev.weft.avro.BackfillRange.newBuilder().setParam(param)
            .setValues(new ArrayList<>(values)).setMaxActiveRuns(maxActiveRuns).setPriority(priority).build())
        .build());
  }

  /**
   * Publishes a pipeline's schedule ({@code schedule:} in the spec), which the coordinator keeps and fires at each
   * slot. Validates the spec and the schedule first, with the parameters of the next slot. Publishing the same spec
   * again changes nothing; a changed one replaces the definition (from its next slot on).
   *
   * @return the spec JSON published (its hash is the schedule's {@code specHash} once the coordinator holds it)
   * @throws SpecException when the spec or its schedule is invalid; nothing is published then
   */
  public String applySchedule(PipelineSpec spec) throws SpecException {
    if (spec.schedule() == null) {
      throw new SpecException("schedule", "the pipeline has no schedule: block; add one, e.g. schedule: {cron: "
          + "\"0 2 * * *\", timezone: Europe/Berlin}");
    }
    dev.weft.spec.CronSchedule cron = dev.weft.spec.CronSchedule.of(spec.schedule());
    PipelineSpecs.resolve(spec, cron.params(cron.nextAfter(java.time.Instant.now())));
    String json = PipelineSpecs.toJson(spec);
    send(RunRequest.newBuilder().setKind(RequestKind.SCHEDULE_APPLY).setRunId(RunIds.scheduleKey(spec.pipeline()))
        .setRequestedAtMs(System.currentTimeMillis()).setRequester(requester).setSpecJson(json).build());
    return json;
  }

  /** Publishes SCHEDULE_PAUSE, SCHEDULE_RESUME or SCHEDULE_DELETE for schedule {@code name}. */
  public void changeSchedule(RequestKind kind, String name) {
    send(RunRequest.newBuilder().setKind(kind).setRunId(RunIds.scheduleKey(name))
        .setRequestedAtMs(System.currentTimeMillis()).setRequester(requester).build());
  }

  /** Cancels a backfill: it starts no more runs, and its running runs are cancelled. */
  public void cancelBackfill(String backfillId) {
    send(RunRequest.newBuilder().setKind(RequestKind.BACKFILL_CANCEL).setRunId(backfillId)
        .setRequestedAtMs(System.currentTimeMillis()).setRequester(requester).build());
  }

  private void send(RunRequest request) {
    try {
      producer.send(new ProducerRecord<>(topics.requests(), request.getRunId(), request)).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot publish the request to " + topics.requests() + " at " + bootstrap + ": "
          + e.getCause().getMessage() + " (is the broker up? start one with `weft dev`)", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing", e);
    }
  }

  /**
   * Follows the run's events until it finishes or is rejected.
   *
   * @throws TimeoutException when the run has not finished within {@code timeout} (it keeps running)
   */
  public RunResult await(SubmittedRun run, Duration timeout, RunListener listener) throws TimeoutException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.putAll(clientProperties);
    KafkaConsumer<String, RunEvent> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), serdes.runEvent().deserializer());
    try {
      TopicPartition tp = partitionOf(consumer, topics.runEvents(), run.runId());
      consumer.assign(List.of(tp));
      // The end offset is taken before the search by time: when nothing is that recent, the run's first events are
      // at or after it. seekToEnd instead would resolve lazily, on the first poll, and could skip RUN_ACCEPTED (or a
      // whole short run) written in between.
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      // Start a little before the request: the broker's and this machine's clocks need not agree.
      OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(tp, Math.max(0, run.submittedAtMs() - 60_000))).get(tp);
      consumer.seek(tp, start == null ? end : start.offset());
      return follow(consumer, run, timeout, listener);
    } finally {
      // Without waiting: a plain close waits for the fetch still parked at the broker (fetch.max.wait.ms, 500 ms),
      // which was most of the time from a run's end to `weft run`'s summary (2026-12-02). This consumer has no group
      // and commits nothing, so there is nothing a close could lose.
      consumer.close(CloseOptions.timeout(Duration.ZERO));
    }
  }

  private RunResult follow(KafkaConsumer<String, RunEvent> consumer, SubmittedRun run, Duration timeout,
      RunListener listener) throws TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, TaskResult> finished = new LinkedHashMap<>();
    List<String> order = new ArrayList<>();
    int total = 0;
    Long startedAt = null;
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<String, RunEvent> rec : consumer.poll(Duration.ofMillis(200))) {
        RunEvent e = rec.value();
        if (!run.runId().equals(rec.key()) || e.getAtMs() < run.submittedAtMs() - 60_000) continue;
        switch (e.getKind()) {
          case RUN_ACCEPTED -> {
            total = e.getTaskCount();
            startedAt = e.getAtMs();
            if (order.isEmpty()) order.addAll(e.getTaskIds());
            listener.accepted(run.runId(), total, e.getExisting());
          }
          case RUN_REJECTED -> {
            return new RunResult(run.runId(), run.pipeline(), "REJECTED", e.getReason(), 0, Map.of(), List.of(), null,
                e.getAtMs());
          }
          case TASK_FINISHED -> {
            TaskResult t = new TaskResult(e.getTaskId(), String.valueOf(e.getTaskStatus()), e.getAttempt(),
                e.getExitCode(), e.getFailureKind() == null ? null : e.getFailureKind().name(), e.getReason(),
                e.getLogTail(), e.getTrackingUrl(), e.getStartedAtMs() == 0 ? null : e.getStartedAtMs(),
                e.getFinishedAtMs() == 0 ? null : e.getFinishedAtMs());
            finished.put(t.id(), t);
            // A run grows with mapped and spawned tasks; TASK_FINISHED carries its count so far (0 from a
            // coordinator older than 2026-12-03, which leaves the count at submission).
            total = Math.max(total, e.getTaskCount());
            listener.taskFinished(t, finished.size(), total);
          }
          case RUN_FINISHED -> {
            List<TaskResult> tasks = new ArrayList<>();
            // Tasks in pipeline order first; RUN_ACCEPTED lists at most 10,000, the rest follow as they finished.
            Set<String> listed = new HashSet<>(order);
            for (String id : order) if (finished.containsKey(id)) tasks.add(finished.get(id));
            for (TaskResult t : finished.values()) if (!listed.contains(t.id())) tasks.add(t);
            return new RunResult(run.runId(), e.getPipeline(), String.valueOf(e.getRunStatus()), e.getReason(),
                e.getTaskCount(), new java.util.TreeMap<>(e.getCounts()), tasks, startedAt, e.getFinishedAtMs());
          }
          default -> {}
        }
      }
    }
    throw new TimeoutException("run " + run.runId() + " did not finish within " + timeout + " (" + finished.size()
        + " of " + total + " tasks finished); it keeps running: follow it with `weft status " + run.runId() + "`");
  }

  /** The partition Kafka's default partitioner puts this key in (murmur2 of the key bytes). */
  static TopicPartition partitionOf(KafkaConsumer<?, ?> consumer, String topic, String key) {
    List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(15));
    if (parts == null || parts.isEmpty()) {
      throw new IllegalStateException("topic " + topic + " does not exist; start Weft with `weft dev` or create topics");
    }
    int n = parts.size();
    return new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % n);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
