package dev.weft.executor.batch;

import dev.weft.executor.backend.AttemptId;
import dev.weft.executor.backend.TaskEnvironment;
import dev.weft.spec.BatchBlock;
import dev.weft.spec.Resources;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.batch.model.ContainerOverrides;
import software.amazon.awssdk.services.batch.model.ContainerProperties;
import software.amazon.awssdk.services.batch.model.JobDefinitionType;
import software.amazon.awssdk.services.batch.model.JobTimeout;
import software.amazon.awssdk.services.batch.model.KeyValuePair;
import software.amazon.awssdk.services.batch.model.RegisterJobDefinitionRequest;
import software.amazon.awssdk.services.batch.model.ResourceRequirement;
import software.amazon.awssdk.services.batch.model.ResourceType;
import software.amazon.awssdk.services.batch.model.RetryStrategy;
import software.amazon.awssdk.services.batch.model.SubmitJobRequest;

/**
 * Builds the Batch requests of one attempt, and nothing else: pure functions of the attempt, its block and the
 * executor's settings, so names, tags, resources and overrides are unit-tested without an endpoint.
 *
 * <p><b>Names.</b> A job's name is a function of its attempt id (and the installation's scope), so a restarted
 * executor finds its jobs by listing names instead of submitting twice. Batch allows 128 letters, digits, '-' and
 * '_', so the readable part is sanitised and cut, and a hash of the exact ids is appended: without it run "a-b" task
 * "c" and run "a" task "b-c" would share a name. The exact attempt id travels in the tags ({@code weft:run},
 * {@code weft:task}, {@code weft:attempt}; '#' and '/' are not allowed in every AWS tag value, so not as one string).
 *
 * <p><b>Retries.</b> Every job is submitted with a retry strategy of one attempt: Weft's own retry policy decides,
 * with a new attempt id, so Batch retrying underneath would run work Weft does not know about.
 */
final class BatchJobRequests {
  static final String TAG_RUN = "weft:run";
  static final String TAG_TASK = "weft:task";
  static final String TAG_ATTEMPT = "weft:attempt";
  static final String TAG_PIPELINE = "weft:pipeline";
  static final String TAG_EXECUTOR = "weft:executor";
  static final String TAG_SCOPE = "weft:scope";
  static final String TAG_INSTANCE = "weft:instance";
  /** Set once the job's outcome was handed to the runtime, so no later executor offers it for adoption again. */
  static final String TAG_REPORTED = "weft:reported";
  /** On job definitions Weft registered for an image. */
  static final String TAG_MANAGED = "weft:managed";

  static final String JOB_NAME_PREFIX = "weft-";
  static final int MAX_NAME = 128;
  /** Batch's floor for a job timeout. */
  static final long MIN_TIMEOUT_SECONDS = 60;
  /**
   * Batch's own timeout is a backstop for an executor that died (nobody left to terminate the job): the runtime's
   * timeout fires first and terminates the job itself, this much earlier.
   */
  static final long TIMEOUT_BACKSTOP_SECONDS = 60;
  /** A definition Weft registers for an image with no resources given: the console's defaults. */
  static final JobResources DEFAULT_RESOURCES = new JobResources("1", 2048);

  private static final Pattern NAME_UNSAFE = Pattern.compile("[^A-Za-z0-9_-]");

  private BatchJobRequests() {}

  /** vCPUs and memory (MiB) as a job definition or override writes them. */
  record JobResources(String vcpus, long memoryMib) {
    /** The task's resources over the defaults, field by field. */
    static JobResources of(Resources r) {
      if (r == null) return DEFAULT_RESOURCES;
      return new JobResources(r.cpu() == null ? DEFAULT_RESOURCES.vcpus() : BatchBlock.vcpus(r.cpu()),
          r.memory() == null ? DEFAULT_RESOURCES.memoryMib() : BatchBlock.memoryMib(r.memory()));
    }

    List<ResourceRequirement> requirements() {
      return List.of(
          ResourceRequirement.builder().type(ResourceType.VCPU).value(vcpus).build(),
          ResourceRequirement.builder().type(ResourceType.MEMORY).value(Long.toString(memoryMib)).build());
    }
  }

  /** The job name of an attempt: readable, at most 128 characters, unique per attempt and scope. */
  static String jobName(AttemptId id, String scope) {
    String hash = shortHash((scope == null ? "" : scope) + "\n" + id);
    String readable = JOB_NAME_PREFIX + sanitize(id.runId()) + "-" + sanitize(id.taskId()) + "-" + id.attempt();
    int room = MAX_NAME - hash.length() - 1;
    if (readable.length() > room) readable = readable.substring(0, room);
    return readable + "-" + hash;
  }

  /**
   * The name of the definition Weft registers for an image and resources: the same inputs give the same name, so a
   * definition is registered once and reused by every later attempt (and by other executor instances).
   */
  static String definitionName(String image, JobResources r) {
    String hash = shortHash(image + "\n" + r.vcpus() + "\n" + r.memoryMib());
    int slash = image.lastIndexOf('/');
    String readable = "weft-" + sanitize(image.substring(slash + 1));
    int room = MAX_NAME - hash.length() - 1;
    if (readable.length() > room) readable = readable.substring(0, room);
    return readable + "-" + hash;
  }

  static RegisterJobDefinitionRequest registerDefinition(String name, String image, JobResources r) {
    return RegisterJobDefinitionRequest.builder()
        .jobDefinitionName(name)
        .type(JobDefinitionType.CONTAINER)
        .containerProperties(ContainerProperties.builder().image(image).resourceRequirements(r.requirements()).build())
        .retryStrategy(RetryStrategy.builder().attempts(1).build())
        .tags(Map.of(TAG_MANAGED, "true"))
        .build();
  }

  /**
   * The SubmitJob request of an attempt.
   *
   * @param definition the definition to run: the block's own, or the one registered for its image
   * @param resources the task's resources; given with an existing definition they override its vCPUs and memory
   *     (a definition registered for an image already has them)
   * @param timeout the attempt's timeout, or null
   */
  static SubmitJobRequest submitJob(AttemptId id, String pipeline, BatchBlock block, String queue, String definition,
      Resources resources, Duration timeout, BatchSettings settings) {
    ContainerOverrides.Builder overrides = ContainerOverrides.builder()
        .environment(environment(block.env(), id));
    if (!block.command().isEmpty()) overrides.command(block.command());
    if (block.jobDefinition() != null && resources != null && (resources.cpu() != null || resources.memory() != null)) {
      List<ResourceRequirement> reqs = new ArrayList<>();
      if (resources.cpu() != null) {
        reqs.add(ResourceRequirement.builder().type(ResourceType.VCPU).value(BatchBlock.vcpus(resources.cpu())).build());
      }
      if (resources.memory() != null) {
        reqs.add(ResourceRequirement.builder().type(ResourceType.MEMORY)
            .value(Long.toString(BatchBlock.memoryMib(resources.memory()))).build());
      }
      overrides.resourceRequirements(reqs);
    }
    SubmitJobRequest.Builder b = SubmitJobRequest.builder()
        .jobName(jobName(id, settings.scope()))
        .jobQueue(queue)
        .jobDefinition(definition)
        .containerOverrides(overrides.build())
        .retryStrategy(RetryStrategy.builder().attempts(1).build())
        .tags(tags(id, pipeline, block, settings));
    if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
      long seconds = (timeout.toMillis() + 999) / 1000 + TIMEOUT_BACKSTOP_SECONDS;
      b.timeout(JobTimeout.builder().attemptDurationSeconds((int) Math.max(MIN_TIMEOUT_SECONDS, seconds)).build());
    }
    return b.build();
  }

  /** The task's variables with the attempt's {@code WEFT_*} on top, as Batch takes them. */
  static List<KeyValuePair> environment(Map<String, String> taskEnv, AttemptId id) {
    List<KeyValuePair> env = new ArrayList<>();
    TaskEnvironment.over(taskEnv, id).forEach((k, v) -> env.add(KeyValuePair.builder().name(k).value(v).build()));
    return env;
  }

  /** The block's own tags, then Weft's, which win (the spec refuses {@code weft:} keys anyway). */
  static Map<String, String> tags(AttemptId id, String pipeline, BatchBlock block, BatchSettings settings) {
    Map<String, String> tags = new LinkedHashMap<>(block.tags());
    tags.put(TAG_RUN, id.runId());
    tags.put(TAG_TASK, id.taskId());
    tags.put(TAG_ATTEMPT, Integer.toString(id.attempt()));
    tags.put(TAG_EXECUTOR, BatchBackend.NAME);
    if (pipeline != null) tags.put(TAG_PIPELINE, pipeline);
    if (settings.scope() != null) tags.put(TAG_SCOPE, settings.scope());
    if (settings.instanceId() != null) tags.put(TAG_INSTANCE, settings.instanceId());
    return tags;
  }

  /** The attempt a job's tags name, if they name one. */
  static Optional<AttemptId> attemptOf(Map<String, String> tags) {
    if (tags == null) return Optional.empty();
    String run = tags.get(TAG_RUN);
    String task = tags.get(TAG_TASK);
    String attempt = tags.get(TAG_ATTEMPT);
    if (run == null || task == null || attempt == null) return Optional.empty();
    try {
      return Optional.of(new AttemptId(run, task, Integer.parseInt(attempt)));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Where a person watches the job: the AWS console's page of the job. */
  static String consoleUrl(String region, String jobId) {
    return "https://" + region + ".console.aws.amazon.com/batch/home?region=" + region + "#jobs/detail/" + jobId;
  }

  private static String sanitize(String part) {
    return NAME_UNSAFE.matcher(part).replaceAll("_");
  }

  private static String shortHash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
