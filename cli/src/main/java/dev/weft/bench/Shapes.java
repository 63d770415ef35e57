package dev.weft.bench;

import dev.weft.spec.PipelineBuilder;
import dev.weft.spec.PipelineSpec;

/**
 * The DAG shapes the benchmark runs, all on the {@code noop} executor. Task ids are short on purpose: a 100,000-task
 * layered spec must stay under the request size limit (8 MiB).
 */
final class Shapes {
  private Shapes() {}

  /** {@code width × depth} tasks; every task past the first layer depends on two tasks of the layer before. */
  static PipelineSpec layered(String name, int width, int depth) {
    PipelineBuilder b = PipelineBuilder.pipeline(name);
    for (int l = 0; l < depth; l++) {
      for (int i = 0; i < width; i++) {
        PipelineBuilder.Task t = PipelineBuilder.noop(id(l, i));
        if (l > 0) t.dependsOn(id(l - 1, i), id(l - 1, (i + 1) % width));
        b.task(t);
      }
    }
    return b.build();
  }

  /** One root, {@code tasks - 2} tasks that each depend on it, and one sink that depends on all of them. */
  static PipelineSpec fanOutIn(String name, int tasks) {
    PipelineBuilder b = PipelineBuilder.pipeline(name).task(PipelineBuilder.noop("r"));
    String[] middle = new String[tasks - 2];
    for (int i = 0; i < middle.length; i++) {
      middle[i] = "m" + i;
      b.task(PipelineBuilder.noop(middle[i]).dependsOn("r"));
    }
    return b.task(PipelineBuilder.noop("s").dependsOn(middle)).build();
  }

  /** A chain of {@code length} tasks {@code c0 → c1 → …}, for dispatch latency (one task ready at a time). */
  static PipelineSpec chain(String name, int length) {
    PipelineBuilder b = PipelineBuilder.pipeline(name);
    for (int i = 0; i < length; i++) {
      PipelineBuilder.Task t = PipelineBuilder.noop(chainTask(i));
      if (i > 0) t.dependsOn(chainTask(i - 1));
      b.task(t);
    }
    return b.build();
  }

  static String chainTask(int i) {
    return "c" + i;
  }

  /** The position of a chain task, or -1 for another id. */
  static int chainIndex(String taskId) {
    if (!taskId.startsWith("c")) return -1;
    try {
      return Integer.parseInt(taskId.substring(1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A layered width for {@code tasks} tasks: 1,000 wide when it can be, else a tenth, so depth stays above one. */
  static int layeredWidth(int tasks) {
    return Math.max(2, Math.min(1_000, tasks / 10));
  }

  private static String id(int layer, int index) {
    return layer + "." + index;
  }
}
