package dev.weft.spec;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Every field of a spec document that its model does not have, each with where it is, the field it was probably
 * meant to be, and the fields there are. Jackson stops at the first unknown field; a user who mistyped two keys
 * should learn of both at once, as of every other problem.
 *
 * <p>The model is read off the spec's records: a component whose type is a record is an object of known fields, a
 * list of records an array of them. Maps ({@code params}, {@code env}) and JSON trees (the executor blocks, which
 * their executors read) take any key.
 */
final class UnknownFields {
  /** A typo this many edits from a known field is taken for it; further off, nothing is suggested. */
  private static final int MAX_EDITS = 2;
  private static final LevenshteinDistance DISTANCE = new LevenshteinDistance(MAX_EDITS);

  private UnknownFields() {}

  /**
   * @param root   the document as a tree
   * @param lineOf the line of a key in the document's text, when it can be told
   */
  static List<SpecProblem> find(JsonNode root, Class<? extends Record> model,
      Function<String, Optional<Integer>> lineOf) {
    List<SpecProblem> problems = new ArrayList<>();
    visit(root, model, "", lineOf, problems);
    return problems;
  }

  private static void visit(JsonNode node, Class<?> model, String at, Function<String, Optional<Integer>> lineOf,
      List<SpecProblem> problems) {
    if (node == null || !node.isObject() || !model.isRecord()) return;
    RecordComponent[] components = model.getRecordComponents();
    List<String> known = Arrays.stream(components).map(RecordComponent::getName).sorted().toList();
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      String path = at.isEmpty() ? name : at + "." + name;
      Optional<RecordComponent> component =
          Arrays.stream(components).filter(c -> c.getName().equals(name)).findFirst();
      if (component.isEmpty()) {
        problems.add(new SpecProblem(path + lineOf.apply(name).map(l -> " (line " + l + ")").orElse(""),
            "unknown field '" + name + "'" + closest(name, known).map(k -> "; did you mean '" + k + "'?").orElse("")
                + " (the fields here: " + String.join(", ", known) + ")"));
        continue;
      }
      JsonNode value = node.get(name);
      Type type = component.get().getGenericType();
      if (type instanceof Class<?> c && c.isRecord()) {
        visit(value, c, path, lineOf, problems);
      } else if (type instanceof ParameterizedType list && list.getRawType() == List.class
          && list.getActualTypeArguments()[0] instanceof Class<?> element && element.isRecord() && value.isArray()) {
        for (int i = 0; i < value.size(); i++) visit(value.get(i), element, path + "[" + i + "]", lineOf, problems);
      }
    }
  }

  /**
   * The known field nearest to {@code name}, within {@value #MAX_EDITS} edits, ignoring case; else one that it spells
   * out ({@code environment} for {@code env}).
   */
  static Optional<String> closest(String name, List<String> known) {
    String lower = name.toLowerCase(Locale.ROOT);
    String best = null;
    int fewest = Integer.MAX_VALUE;
    for (String k : known) {
      int edits = DISTANCE.apply(lower, k.toLowerCase(Locale.ROOT));
      if (edits >= 0 && edits < fewest) {
        best = k;
        fewest = edits;
      }
    }
    if (best != null) return Optional.of(best);
    return known.stream().filter(k -> k.length() >= 3 && lower.startsWith(k.toLowerCase(Locale.ROOT))).findFirst();
  }
}
