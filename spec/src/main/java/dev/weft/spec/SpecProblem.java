package dev.weft.spec;

/** One thing wrong with a pipeline spec: where ({@code tasks[2].dependsOn[0]}, {@code line 7}) and what. */
public record SpecProblem(String where, String message) {
  @Override
  public String toString() {
    return where == null || where.isEmpty() ? message : where + ": " + message;
  }
}
