package dev.weft.executor.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weft.executor.container.ContainerPolicy;
import dev.weft.executor.process.ProcessPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * An executor's policy file ({@code weft executor NAME --policy FILE}): what its operator lets requests ask for. No
 * request can override it. A field left out keeps its {@linkplain #localDefault() local default}, so a file names
 * only what it changes. An unknown field is an error, so a misspelt rule never silently allows more.
 *
 * <pre>
 * container:
 *   images: ["registry.example.com/etl/*"]
 *   mountSources: ["/srv/data"]
 *   allowRoot: false
 *   allowNetwork: false
 *   allowHostNetwork: false
 *   allowWritableRootFilesystem: false
 * process:
 *   runAs: weft-task
 *   directories: ["/srv/weft/work"]
 * </pre>
 */
public record ExecutorPolicy(ContainerPolicy container, ProcessPolicy process) {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> SECTIONS = Set.of("container", "process");
  private static final Set<String> CONTAINER_FIELDS = Set.of("images", "mountSources", "allowRoot", "allowNetwork",
      "allowHostNetwork", "allowWritableRootFilesystem");
  private static final Set<String> PROCESS_FIELDS = Set.of("runAs", "directories");

  /** What an executor without {@code --policy} enforces, {@code weft dev} included; see docs/executors/policy.md. */
  public static ExecutorPolicy localDefault() {
    return new ExecutorPolicy(ContainerPolicy.localDefault(), ProcessPolicy.localDefault());
  }

  /**
   * @throws IllegalArgumentException naming the file, the field and what is wrong, when the file cannot be used
   */
  public static ExecutorPolicy load(Path file) {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("policy file " + file + " cannot be read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) root = YAML.createObjectNode();
    if (!root.isObject()) throw new IllegalArgumentException("policy file " + file + ": expected a mapping with container: and process:");
    checkFields(file, "", root, SECTIONS);
    ContainerPolicy c = ContainerPolicy.localDefault();
    JsonNode cn = root.path("container");
    if (!cn.isMissingNode()) {
      checkFields(file, "container.", cn, CONTAINER_FIELDS);
      c = new ContainerPolicy(
          strings(file, "container.images", cn.get("images"), c.images()),
          strings(file, "container.mountSources", cn.get("mountSources"), c.mountSources()),
          bool(file, "container.allowRoot", cn.get("allowRoot"), c.allowRoot()),
          bool(file, "container.allowNetwork", cn.get("allowNetwork"), c.allowNetwork()),
          bool(file, "container.allowHostNetwork", cn.get("allowHostNetwork"), c.allowHostNetwork()),
          bool(file, "container.allowWritableRootFilesystem", cn.get("allowWritableRootFilesystem"),
              c.allowWritableRootFilesystem()));
    }
    ProcessPolicy p = ProcessPolicy.localDefault();
    JsonNode pn = root.path("process");
    if (!pn.isMissingNode()) {
      checkFields(file, "process.", pn, PROCESS_FIELDS);
      JsonNode runAs = pn.get("runAs");
      if (runAs != null && !runAs.isNull() && !runAs.isTextual() && !runAs.isInt()) {
        throw new IllegalArgumentException("policy file " + file + ": process.runAs must be a user name or uid:gid");
      }
      p = new ProcessPolicy(runAs == null || runAs.isNull() ? p.runAs() : runAs.asText(),
          strings(file, "process.directories", pn.get("directories"), p.directories()));
      p.user(); // an unknown user stops the executor at start, not at its first task
    }
    return new ExecutorPolicy(c, p);
  }

  private static void checkFields(Path file, String at, JsonNode node, Set<String> known) {
    if (!node.isObject()) throw new IllegalArgumentException("policy file " + file + ": " + at + " must be a mapping");
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw new IllegalArgumentException("policy file " + file + ": unknown field " + at + name + "; known: "
            + known.stream().sorted().toList());
      }
    }
  }

  private static List<String> strings(Path file, String field, JsonNode node, List<String> dflt) {
    if (node == null || node.isNull()) return dflt;
    if (!node.isArray()) throw new IllegalArgumentException("policy file " + file + ": " + field + " must be a list");
    List<String> out = new ArrayList<>();
    for (JsonNode n : node) {
      if (!n.isTextual() || n.asText().isBlank()) {
        throw new IllegalArgumentException("policy file " + file + ": " + field + " holds " + n + "; expected text");
      }
      out.add(n.asText());
    }
    return out;
  }

  private static boolean bool(Path file, String field, JsonNode node, boolean dflt) {
    if (node == null || node.isNull()) return dflt;
    if (!node.isBoolean()) throw new IllegalArgumentException("policy file " + file + ": " + field + " must be true or false");
    return node.asBoolean();
  }
}
