package dev.weft.executor.container;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.weft.avro.FailureKind;
import dev.weft.executor.backend.LaunchException;
import dev.weft.spec.Resources;
import dev.weft.spec.SpecJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A task's {@code container:} block. Read strictly: an unknown field is an INVALID_SPEC naming the field, so a
 * typo such as {@code readOnly: false} at the wrong level fails the attempt instead of silently running with
 * defaults.
 *
 * <p>Defaults are the isolated ones: user nobody (65534), network none, read-only root filesystem with a tmpfs
 * {@code /tmp}. A task opts out field by field.
 *
 * @param resources accepted here too because the design's example writes {@code resources:} inside the
 *     container block; the task-level {@code resources:} wins field by field
 */
public record ContainerSpec(
    String image,
    List<String> command,
    List<String> entrypoint,
    Map<String, String> env,
    String workdir,
    String user,
    List<Mount> volumes,
    List<Mount> mounts,
    String network,
    Map<String, String> labels,
    String pullPolicy,
    Boolean readOnlyRootFilesystem,
    Boolean keepContainer,
    Resources resources) {

  /** Non-root by default: uid/gid of nobody, present in every image's numeric id space. */
  public static final String DEFAULT_USER = "65534:65534";

  public static final String DEFAULT_NETWORK = "none";

  /**
   * A host path mounted into the container. A relative {@code source} resolves against the executor's working
   * directory, as a process task's relative paths do, so one pipeline can mix both on the same files.
   */
  public record Mount(String source, String target, Boolean readOnly) {
    /** The absolute host path the engine is given; the engine itself refuses relative bind sources. */
    public String hostPath() {
      return Path.of("").toAbsolutePath().resolve(source).normalize().toString();
    }

    public boolean isReadOnly() {
      return Boolean.TRUE.equals(readOnly);
    }
  }

  /** When the engine is asked to pull the image. */
  public enum PullPolicy {
    NEVER,
    IF_MISSING,
    ALWAYS;

    static PullPolicy parse(String text) throws LaunchException {
      if (text == null) return IF_MISSING;
      return switch (text) {
        case "never" -> NEVER;
        case "if-missing" -> IF_MISSING;
        case "always" -> ALWAYS;
        default -> throw invalid("container.pullPolicy is '" + text + "'; write never, if-missing or always");
      };
    }
  }

  /*
   * Docker's reference grammar (distribution/reference), simplified: optional registry host[:port]/, lower-case
   * path components, optional :tag, optional @sha256:digest. A bare image id (sha256:<64 hex>) is accepted too.
   */
  private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final Pattern REFERENCE = Pattern.compile(
      "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?"
          + COMPONENT + "(?:/" + COMPONENT + ")*"
          + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
          + "(?:@sha256:[a-f0-9]{64})?");
  private static final Pattern IMAGE_ID = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern NETWORK = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

  public ContainerSpec {
    command = command == null ? List.of() : List.copyOf(command);
    entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
    env = env == null ? Map.of() : Map.copyOf(env);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /**
   * Reads and checks a {@code container:} block.
   *
   * @throws LaunchException INVALID_SPEC naming the field that is wrong
   */
  public static ContainerSpec parse(JsonNode block) throws LaunchException {
    if (block == null || block.isNull() || block.isMissingNode()) {
      throw invalid("task has executor: container but no container: block; add container: {image: ..., command: [...]}");
    }
    if (!block.isObject()) {
      throw invalid("container: must be an object with image, command, ...; got " + block.getNodeType());
    }
    ContainerSpec spec;
    try {
      spec = SpecJson.MAPPER.treeToValue(block, ContainerSpec.class);
    } catch (UnrecognizedPropertyException e) {
      String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
          .map(Object::toString).sorted().collect(Collectors.joining(", "));
      throw invalid("unknown field container." + fieldPath(e) + "; known fields: " + known);
    } catch (MismatchedInputException e) {
      throw invalid("container." + fieldPath(e) + " has the wrong type: " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw invalid("container: block cannot be read: " + e.getOriginalMessage(), e);
    }
    spec.check();
    return spec;
  }

  private void check() throws LaunchException {
    if (image == null || image.isBlank()) {
      throw invalid("container.image is missing; name the image to run, e.g. image: local/busybox:1");
    }
    if (!IMAGE_ID.matcher(image).matches() && !REFERENCE.matcher(image).matches()) {
      throw invalid("container.image '" + image + "' is not a valid image reference (repository[:tag][@sha256:digest])");
    }
    pullPolicyValue();
    if (network != null && !NETWORK.matcher(network).matches()) {
      throw invalid("container.network '" + network + "' is not a network name; use none (default), bridge or a named network");
    }
    for (String key : labels.keySet()) {
      if (key.startsWith("weft.")) {
        throw invalid("container.labels." + key + ": labels starting with weft. are reserved for the executor");
      }
    }
    for (String key : env.keySet()) {
      if (key.isEmpty() || key.contains("=")) {
        throw invalid("container.env has an invalid variable name '" + key + "'");
      }
    }
    checkMounts("volumes", volumes);
    checkMounts("mounts", mounts);
    if (user != null && user.isBlank()) {
      throw invalid("container.user is blank; leave it out for the default " + DEFAULT_USER);
    }
  }

  private static void checkMounts(String field, List<Mount> list) throws LaunchException {
    for (int i = 0; i < list.size(); i++) {
      Mount m = list.get(i);
      String at = "container." + field + "[" + i + "]";
      if (m == null) throw invalid(at + " is empty; write {source: /host/dir, target: /in/container}");
      if (m.source() == null || m.source().isBlank()) {
        throw invalid(at + ".source is missing; name the host path to mount (absolute, or relative to the"
            + " executor's working directory)");
      }
      if (m.target() == null || !m.target().startsWith("/")) {
        throw invalid(at + ".target must be an absolute container path; got " + m.target());
      }
    }
  }

  public PullPolicy pullPolicyValue() throws LaunchException {
    return PullPolicy.parse(pullPolicy);
  }

  public String userOrDefault() {
    return user == null ? DEFAULT_USER : user;
  }

  public String networkOrDefault() {
    return network == null ? DEFAULT_NETWORK : network;
  }

  public boolean readOnlyRoot() {
    return readOnlyRootFilesystem == null || readOnlyRootFilesystem;
  }

  public boolean keep() {
    return Boolean.TRUE.equals(keepContainer);
  }

  /** {@code volumes} and {@code mounts} are the same thing under two names users know from compose and Docker. */
  public List<Mount> allMounts() {
    List<Mount> all = new ArrayList<>(volumes);
    all.addAll(mounts);
    return all;
  }

  /** Task-level resources win; the container block's own {@code resources:} fills what they leave out. */
  public Resources effectiveResources(Resources taskLevel) {
    if (resources == null) return taskLevel;
    if (taskLevel == null) return resources;
    return new Resources(
        taskLevel.cpu() != null ? taskLevel.cpu() : resources.cpu(),
        taskLevel.memory() != null ? taskLevel.memory() : resources.memory(),
        taskLevel.pids() != null ? taskLevel.pids() : resources.pids());
  }

  /** Whether the image names a registry repository at all (an image id can only be local). */
  boolean pullable() {
    return !IMAGE_ID.matcher(image).matches();
  }

  private static String fieldPath(MismatchedInputException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (!sb.isEmpty()) sb.append('.');
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.isEmpty() ? "?" : sb.toString();
  }

  static LaunchException invalid(String message) {
    return new LaunchException(FailureKind.INVALID_SPEC, message);
  }

  private static LaunchException invalid(String message, Throwable cause) {
    return new LaunchException(FailureKind.INVALID_SPEC, message, cause);
  }
}
