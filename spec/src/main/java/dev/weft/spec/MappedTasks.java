package dev.weft.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Expands a mapped task ({@code mapOver}) into its instances: one per item of the JSON array the task it maps over
 * wrote as its result, or one per index of {@code mapOver: {count: N}} ({@link #expandRange}). Instance {@code i} of task {@code load} is {@code load[i]}; in its spec, {@code ${item}} is the
 * item (a string as is; a number, boolean or null as JSON text; an object or array as compact JSON) and
 * {@code ${item.field}} a field of an object item (nested: {@code ${item.a.b}}). {@code $${} is a literal {@code ${}.
 *
 * <p>A pure function of the template and the result, so the coordinator's fold expands the same way on every replay.
 */
public final class MappedTasks {
  private static final String ITEM = "item";

  private MappedTasks() {}

  /**
   * One instance: its id, its resolved spec as JSON (what executors receive), its output target or null, and the
   * notBefore time its item makes (epoch ms) when the template's names the item ({@code "${item.date}T06:00:00Z"}),
   * else 0: a time that names no item is the mapped task's, parsed once when the pipeline was resolved.
   */
  public record Instance(String id, String specJson, String output, long notBeforeMs) {}

  /** Whether {@code ${name}} names the item of a mapped task rather than a parameter. */
  static boolean isItemReference(String name) {
    return name.equals(ITEM) || name.startsWith(ITEM + ".");
  }

  /** The id of instance {@code index} of mapped task {@code taskId}. */
  public static String instanceId(String taskId, int index) {
    return taskId + "[" + index + "]";
  }

  /** The mapped task that {@code id} is an instance of ({@code load} for {@code load[3]}), or null for any other id. */
  public static String mappedTaskOf(String id) {
    int open = id.lastIndexOf('[');
    if (open <= 0 || !id.endsWith("]") || open + 2 > id.length() - 1) return null;
    for (int i = open + 1; i < id.length() - 1; i++) if (!Character.isDigit(id.charAt(i))) return null;
    return id.substring(0, open);
  }

  /**
   * @param templateJson the mapped task's resolved spec ({@code ResolvedTask.specJson}), items still as
   *     {@code ${item}}
   * @param resultJson what the task mapped over wrote to its result file
   * @param maxInstances how many instances the run can still take
   * @return the instances in the order of the items; none for an empty array
   * @throws SpecException when the result is missing or not a JSON array, has more items than {@code maxInstances}, or
   *     an item lacks a field the template names (every such item, located by its index)
   */
  public static List<Instance> expand(String taskId, String templateJson, String mapOver, String resultJson,
      int maxInstances) throws SpecException {
    if (resultJson == null) {
      throw new SpecException("mapOver", "task '" + mapOver + "' succeeded without writing a result; to be mapped over "
          + "it must write a JSON array to $WEFT_RESULT_FILE (an empty array [] for no instances)");
    }
    JsonNode items;
    try {
      items = SpecJson.MAPPER.readTree(resultJson);
    } catch (JsonProcessingException e) {
      throw new SpecException("mapOver", "the result of task '" + mapOver + "' is not JSON: " + e.getOriginalMessage());
    }
    if (items == null || !items.isArray()) {
      throw new SpecException("mapOver", "the result of task '" + mapOver + "' is " + kind(items)
          + ", not a JSON array; write an array of items to $WEFT_RESULT_FILE");
    }
    if (items.size() > maxInstances) {
      throw new SpecException("mapOver", items.size() + " items in the result of task '" + mapOver + "' would take "
          + "the run over its task limit (" + Math.max(0, maxInstances) + " more tasks allowed)");
    }
    ObjectNode template = template(taskId, templateJson);
    List<Instance> out = new ArrayList<>(items.size());
    List<SpecProblem> problems = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) out.add(instance(template, taskId, i, items.get(i), problems));
    if (!problems.isEmpty()) throw new SpecException(problems.stream().map(MappedTasks::asItemProblem).toList());
    return out;
  }

  /**
   * Instances {@code from} to {@code to} − 1 of a task mapped over a count ({@code mapOver: {count: N}}): the item of
   * instance {@code i} is the number {@code i}. A slice at a time, so that a million instances never exist at once.
   *
   * @throws SpecException when an instance's {@code output}, its index substituted, is not a valid target, or the
   *     template names a field of the item (a number has none)
   */
  public static List<Instance> expandRange(String taskId, String templateJson, int from, int to) throws SpecException {
    ObjectNode template = template(taskId, templateJson);
    List<Instance> out = new ArrayList<>(Math.max(0, to - from));
    List<SpecProblem> problems = new ArrayList<>();
    for (int i = from; i < to; i++) out.add(instance(template, taskId, i, IntNode.valueOf(i), problems));
    if (!problems.isEmpty()) throw new SpecException(problems.stream().map(MappedTasks::asItemProblem).toList());
    return out;
  }

  private static ObjectNode template(String taskId, String templateJson) {
    ObjectNode template;
    try {
      template = (ObjectNode) SpecJson.MAPPER.readTree(templateJson);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalArgumentException("the template of mapped task '" + taskId + "' is not a JSON object", e);
    }
    template.remove("mapOver");
    return template;
  }

  /** Instance {@code i}: the template with its id and its item substituted; problems are added to {@code problems}. */
  private static Instance instance(ObjectNode template, String taskId, int i, JsonNode item, List<SpecProblem> problems) {
    String id = instanceId(taskId, i);
    ObjectNode spec = template.deepCopy();
    spec.put("id", id);
    int before = problems.size();
    PipelineSpecs.substitute(spec, bindings(item), false, "items[" + i + "](" + id + ")", problems);
    String output = spec.hasNonNull("output") ? spec.get("output").asText() : null;
    if (output != null && problems.size() == before) {
      try {
        Target.parse(output);
      } catch (Target.InvalidTargetException e) {
        problems.add(new SpecProblem("items[" + i + "](" + id + ").output", e.getMessage()));
      }
    }
    long notBeforeMs = template.hasNonNull("notBefore") && PipelineSpecs.namesItem(template.get("notBefore").asText())
        && problems.size() == before
        ? PipelineSpecs.notBeforeMs(spec.get("notBefore").asText(), "items[" + i + "](" + id + ").notBefore", problems)
        : 0;
    return new Instance(id, spec.toString(), output, notBeforeMs);
  }

  /** "missing parameter 'item.x'" reads wrong for an item: say which field the item lacks. */
  private static SpecProblem asItemProblem(SpecProblem p) {
    String m = p.message();
    int i = m.indexOf("missing parameter '" + ITEM);
    if (i < 0) return p;
    String name = m.substring(i + "missing parameter '".length(), m.indexOf('\'', i + "missing parameter '".length()));
    return new SpecProblem(p.where(), "the item has no field '" + name.substring(ITEM.length() + 1) + "' (${" + name
        + "})");
  }

  /** {@code item}, and for an object item each field (and nested field) as {@code item.a.b}. */
  private static Map<String, String> bindings(JsonNode item) {
    Map<String, String> b = new HashMap<>();
    bind(ITEM, item, b);
    return b;
  }

  private static void bind(String name, JsonNode value, Map<String, String> b) {
    b.put(name, value.isTextual() ? value.asText() : value.toString());
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        bind(name + "." + f.getKey(), f.getValue(), b);
      }
    }
  }

  private static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) return "empty";
    if (n.isObject()) return "an object";
    if (n.isTextual()) return "a string";
    if (n.isNumber()) return "a number";
    if (n.isBoolean()) return "a boolean";
    if (n.isNull()) return "null";
    return n.getNodeType().name().toLowerCase();
  }
}
