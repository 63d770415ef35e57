package dev.weft.spark.examples;

import dev.weft.spark.SparkJob;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.ForeachFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Diagnostic job: a long Spark job (each of {@code partitions} tasks sleeps {@code seconds}), so cancel and
 * timeout can be checked on a running application with live executors. With {@code childCommand} (split on
 * spaces, e.g. {@code sleep 600}) the driver first starts that process, as PySpark starts its Python workers,
 * to check that a stop reaches the driver's descendants too.
 */
public final class SleepingJob implements SparkJob {
  @Override
  public void run(SparkSession spark, Map<String, String> params) throws IOException {
    long millis = Long.parseLong(params.getOrDefault("seconds", "600")) * 1000L;
    int partitions = Integer.parseInt(params.getOrDefault("partitions", "2"));
    String child = params.get("childCommand");
    if (child != null && !child.isBlank()) {
      new ProcessBuilder(List.of(child.trim().split(" +")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    }
    spark.range(0, partitions, 1, partitions).foreach((ForeachFunction<Long>) id -> Thread.sleep(millis));
  }
}
