package dev.weft.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A task's {@code batch:} block: which AWS Batch job definition (or which image, for Weft to register a definition
 * for), on which queue, with which command, environment and tags.
 *
 * <p>It lives in the spec module, not in the executor, because both need it: the CLI and the coordinator validate a
 * request with {@link #problems} before anything runs, naming every problem with its location as they do for the
 * other executors, and the batch executor reads the block with {@link #read} at launch and checks it again (a command
 * may come from any producer). One set of rules, written once, against the limits AWS Batch documents for
 * {@code SubmitJob}, {@code RegisterJobDefinition} and tags.
 *
 * @param jobQueue the queue; null = the executor's {@code --job-queue}
 * @param jobDefinition an existing definition: name, name:revision or ARN; exclusive with {@code image}
 * @param image an image Weft registers (once, then reuses) a definition for, with the task's resources
 * @param command the container's command; empty = the definition's (or the image's)
 * @param env variables set on the container, below Weft's own {@code WEFT_*}
 * @param tags tags of the job, beside Weft's own {@code weft:*}
 */
public record BatchBlock(String jobQueue, String jobDefinition, String image, List<String> command,
    Map<String, String> env, Map<String, String> tags) {

  /** Tag keys Weft puts on every job (run, task, attempt, ...); a task may not set them. */
  public static final String RESERVED_TAG_PREFIX = "weft:";
  /** AWS allows 50 tags on a job; Weft uses at most 8 ({@code weft:*}). */
  public static final int MAX_USER_TAGS = 42;
  public static final int MAX_TAG_KEY = 128;
  public static final int MAX_TAG_VALUE = 256;
  /** Batch takes whole vCPUs on EC2 and steps of 0.25 on Fargate. */
  public static final double VCPU_STEP = 0.25;
  /** Batch's smallest memory reservation, in MiB. */
  public static final long MIN_MEMORY_MIB = 4;

  private static final Set<String> FIELDS = new TreeSet<>(List.of("jobQueue", "jobDefinition", "image", "command",
      "env", "tags"));
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_-]{0,127}";
  private static final Pattern QUEUE = Pattern.compile(NAME + "|arn:aws[a-z-]*:batch:[^:]+:\\d+:job-queue/" + NAME);
  private static final Pattern DEFINITION = Pattern.compile(
      "(" + NAME + ")(:[1-9][0-9]*)?|arn:aws[a-z-]*:batch:[^:]+:\\d+:job-definition/" + NAME + ":[1-9][0-9]*");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public BatchBlock {
    command = command == null ? List.of() : List.copyOf(command);
    env = env == null ? Map.of() : Map.copyOf(env);
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  /**
   * Every problem of a {@code batch:} block and the task's resources, each with its location under {@code at}
   * ({@code tasks[0](load).batch}). Values that still hold a {@code ${param}} are checked for type only: their text is
   * known after substitution, and the executor checks it then.
   *
   * @param block the block as written (may be null or not an object: that is a problem too)
   * @param resources the task's {@code resources:}, which become the job's vCPUs and memory
   * @param at the block's location, ending in {@code .batch}
   * @return the problems, empty when the block can run
   */
  public static List<SpecProblem> problems(JsonNode block, Resources resources, String at) {
    List<SpecProblem> problems = new ArrayList<>();
    if (block == null || block.isNull() || block.isMissingNode()) {
      problems.add(new SpecProblem(at, "a 'batch:' block is required for executor 'batch'"));
      return problems;
    }
    if (!block.isObject()) {
      problems.add(new SpecProblem(at, "must be an object with jobDefinition or image, command, ...; got "
          + block.getNodeType().toString().toLowerCase()));
      return problems;
    }
    for (Iterator<String> it = block.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!FIELDS.contains(f)) problems.add(new SpecProblem(at + "." + f, "unknown field; known fields: " + FIELDS));
    }
    String queue = text(block, "jobQueue", at, problems);
    if (queue != null && checkable(queue) && !QUEUE.matcher(queue).matches()) {
      problems.add(new SpecProblem(at + ".jobQueue", "'" + queue + "' is not a job queue name (up to 128 letters, "
          + "digits, '-' or '_', starting with a letter or digit) or a job queue ARN"));
    }
    String definition = text(block, "jobDefinition", at, problems);
    String image = text(block, "image", at, problems);
    if (definition != null && image != null) {
      problems.add(new SpecProblem(at, "give jobDefinition or image, not both: with image Weft registers the"
          + " definition itself"));
    } else if (definition == null && image == null && !block.has("jobDefinition") && !block.has("image")) {
      problems.add(new SpecProblem(at, "name an existing jobDefinition (name or name:revision), or an image for Weft"
          + " to register a definition for"));
    }
    if (definition != null && checkable(definition) && !DEFINITION.matcher(definition).matches()) {
      problems.add(new SpecProblem(at + ".jobDefinition", "'" + definition + "' is not a job definition: write name,"
          + " name:revision (e.g. etl-def:3) or its ARN"));
    }
    if (image != null && (image.isBlank() || image.length() > 255 || (checkable(image) && image.matches(".*\\s.*")))) {
      problems.add(new SpecProblem(at + ".image", "'" + image + "' is not an image reference (1 to 255 characters, no"
          + " spaces), e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/etl:1"));
    }
    JsonNode command = block.get("command");
    if (command != null && !command.isNull()) {
      if (!command.isArray()) {
        problems.add(new SpecProblem(at + ".command", "must be a list of strings, e.g. [\"sh\", \"-c\", \"...\"]"));
      } else {
        for (int i = 0; i < command.size(); i++) {
          if (!command.get(i).isTextual()) {
            problems.add(new SpecProblem(at + ".command[" + i + "]", "must be a string; quote it"));
          }
        }
      }
    }
    Map<String, String> env = stringMap(block, "env", at, problems);
    for (String name : env.keySet()) {
      if (!ENV_NAME.matcher(name).matches()) {
        problems.add(new SpecProblem(at + ".env." + name, "not a variable name (letters, digits and '_', not"
            + " starting with a digit)"));
      } else if (name.startsWith("AWS_BATCH")) {
        problems.add(new SpecProblem(at + ".env." + name, "names starting with AWS_BATCH are reserved by AWS Batch"));
      }
    }
    Map<String, String> tags = stringMap(block, "tags", at, problems);
    if (tags.size() > MAX_USER_TAGS) {
      problems.add(new SpecProblem(at + ".tags", tags.size() + " tags; a job takes at most " + MAX_USER_TAGS
          + " besides Weft's own (AWS allows 50)"));
    }
    tags.forEach((k, v) -> {
      if (k.isEmpty() || k.length() > MAX_TAG_KEY) {
        problems.add(new SpecProblem(at + ".tags." + k, "a tag key has 1 to " + MAX_TAG_KEY + " characters"));
      } else if (k.startsWith(RESERVED_TAG_PREFIX)) {
        problems.add(new SpecProblem(at + ".tags." + k, "keys starting with " + RESERVED_TAG_PREFIX
            + " are reserved for the executor"));
      } else if (k.toLowerCase().startsWith("aws:")) {
        problems.add(new SpecProblem(at + ".tags." + k, "keys starting with aws: are reserved by AWS"));
      }
      if (v != null && v.length() > MAX_TAG_VALUE) {
        problems.add(new SpecProblem(at + ".tags." + k, "a tag value has at most " + MAX_TAG_VALUE + " characters"));
      }
    });
    checkResources(resources, at.endsWith(".batch") ? at.substring(0, at.length() - ".batch".length()) : at, problems);
    return problems;
  }

  /**
   * Reads a block that {@link #problems} found nothing wrong with.
   *
   * @throws IllegalArgumentException when it was not checked first and does not read
   */
  public static BatchBlock read(JsonNode block) {
    List<SpecProblem> problems = new ArrayList<>();
    String queue = text(block, "jobQueue", "batch", problems);
    String definition = text(block, "jobDefinition", "batch", problems);
    String image = text(block, "image", "batch", problems);
    List<String> command = new ArrayList<>();
    JsonNode c = block.get("command");
    if (c != null && c.isArray()) c.forEach(n -> command.add(n.asText()));
    Map<String, String> env = stringMap(block, "env", "batch", problems);
    Map<String, String> tags = stringMap(block, "tags", "batch", problems);
    if (!problems.isEmpty()) throw new IllegalArgumentException(problems.toString());
    return new BatchBlock(queue, definition, image, command, env, tags);
  }

  /** vCPUs as Batch writes them: "1", "2", "0.5". */
  public static String vcpus(double cpu) {
    return cpu == Math.rint(cpu) ? Long.toString((long) cpu) : Double.toString(cpu);
  }

  /** Memory in whole MiB, rounded up (Batch reserves MiB; 1G is 953.7 MiB, so 954). */
  public static long memoryMib(String memory) {
    long bytes = MemorySize.parseBytes(memory);
    return (bytes + (1L << 20) - 1) >> 20;
  }

  /** {@code pids} has no Batch equivalent and is ignored, so a pipeline's default resources fit every executor. */
  private static void checkResources(Resources r, String taskAt, List<SpecProblem> problems) {
    if (r == null) return;
    if (r.cpu() != null && r.cpu() > 0 && Math.abs(r.cpu() / VCPU_STEP - Math.rint(r.cpu() / VCPU_STEP)) > 1e-9) {
      problems.add(new SpecProblem(taskAt + ".resources.cpu", "AWS Batch takes vCPUs in steps of " + VCPU_STEP
          + " (whole numbers on EC2); got " + r.cpu()));
    }
    if (r.memory() != null) {
      try {
        long bytes = MemorySize.parseBytes(r.memory());
        if (bytes > 0 && memoryMib(r.memory()) < MIN_MEMORY_MIB) {
          problems.add(new SpecProblem(taskAt + ".resources.memory", "AWS Batch reserves at least " + MIN_MEMORY_MIB
              + "Mi; got " + r.memory()));
        }
      } catch (IllegalArgumentException e) {
        // PipelineSpecs reports a memory size that does not parse.
      }
    }
  }

  private static boolean checkable(String value) {
    return !value.contains("${");
  }

  private static String text(JsonNode block, String field, String at, List<SpecProblem> problems) {
    JsonNode n = block.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isTextual()) {
      problems.add(new SpecProblem(at + "." + field, "must be a string"));
      return null;
    }
    return n.asText();
  }

  private static Map<String, String> stringMap(JsonNode block, String field, String at, List<SpecProblem> problems) {
    JsonNode n = block.get(field);
    Map<String, String> map = new LinkedHashMap<>();
    if (n == null || n.isNull()) return map;
    if (!n.isObject()) {
      problems.add(new SpecProblem(at + "." + field, "must be a map of names to strings, e.g. {K: V}"));
      return map;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v == null || v.isNull() || v.isContainerNode()) {
        problems.add(new SpecProblem(at + "." + field + "." + e.getKey(), "must be a string (quote it; write \"\""
            + " for empty)"));
        continue;
      }
      map.put(e.getKey(), v.asText());
    }
    return map;
  }
}
