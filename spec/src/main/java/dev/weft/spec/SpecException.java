package dev.weft.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A spec that cannot run, with every problem found (not just the first), one per line in the message. */
public class SpecException extends Exception {
  private final List<SpecProblem> problems;

  public SpecException(List<SpecProblem> problems) {
    super(problems.stream().map(SpecProblem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public SpecException(String where, String message) {
    this(List.of(new SpecProblem(where, message)));
  }

  public List<SpecProblem> problems() {
    return problems;
  }
}
