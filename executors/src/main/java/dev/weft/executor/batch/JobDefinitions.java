package dev.weft.executor.batch;

import dev.weft.executor.batch.BatchJobRequests.JobResources;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.batch.BatchClient;
import software.amazon.awssdk.services.batch.model.ContainerProperties;
import software.amazon.awssdk.services.batch.model.JobDefinition;
import software.amazon.awssdk.services.batch.model.RegisterJobDefinitionResponse;
import software.amazon.awssdk.services.batch.model.ResourceRequirement;
import software.amazon.awssdk.services.batch.model.ResourceType;

/**
 * The job definition Weft registers for an image and its resources, once, and reuses. Its name is a hash of the
 * inputs ({@link BatchJobRequests#definitionName}), so every executor instance looks for the same name: an ACTIVE
 * revision with the same image and resources is reused (found with one DescribeJobDefinitions, then remembered), and
 * only when there is none is a revision registered. Within an instance one launch thread registers a name while the
 * others wait; two instances racing may each register one, both work, and later lookups take the newest.
 */
final class JobDefinitions {
  private static final Logger LOG = LoggerFactory.getLogger(JobDefinitions.class);

  private final BatchClient batch;
  private final Map<String, String> known = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  JobDefinitions(BatchClient batch) {
    this.batch = batch;
  }

  /**
   * @return {@code name:revision} of a definition for the image and resources
   * @throws RuntimeException from the SDK when Batch cannot be asked or refuses the registration
   */
  String forImage(String image, JobResources resources) {
    String name = BatchJobRequests.definitionName(image, resources);
    String cached = known.get(name);
    if (cached != null) return cached;
    // Attempts launch on several threads at once (AttemptLauncher's launch threads): one of them looks up or
    // registers a name, the others wait for it, so one instance never registers the same definition twice.
    synchronized (locks.computeIfAbsent(name, n -> new Object())) {
      cached = known.get(name);
      if (cached != null) return cached;
      String ref = lookUpOrRegister(name, image, resources);
      known.put(name, ref);
      return ref;
    }
  }

  private String lookUpOrRegister(String name, String image, JobResources resources) {
    Optional<JobDefinition> existing = batch.describeJobDefinitionsPaginator(b -> b.jobDefinitionName(name).status("ACTIVE"))
        .jobDefinitions().stream()
        .filter(d -> matches(d, image, resources))
        .max(Comparator.comparing(JobDefinition::revision));
    String ref;
    if (existing.isPresent()) {
      ref = name + ":" + existing.get().revision();
    } else {
      RegisterJobDefinitionResponse r = batch.registerJobDefinition(
          BatchJobRequests.registerDefinition(name, image, resources));
      ref = r.jobDefinitionName() + ":" + r.revision();
      LOG.info("registered job definition {} for image {} ({} vCPU, {} MiB)", ref, image, resources.vcpus(),
          resources.memoryMib());
    }
    return ref;
  }

  private static boolean matches(JobDefinition d, String image, JobResources r) {
    ContainerProperties c = d.containerProperties();
    if (c == null || !image.equals(c.image())) return false;
    return Objects.equals(requirement(c, ResourceType.VCPU), r.vcpus())
        && Objects.equals(requirement(c, ResourceType.MEMORY), Long.toString(r.memoryMib()));
  }

  private static String requirement(ContainerProperties c, ResourceType type) {
    if (c.resourceRequirements() == null) return null;
    return c.resourceRequirements().stream().filter(q -> q.type() == type).map(ResourceRequirement::value)
        .findFirst().orElse(null);
  }
}
