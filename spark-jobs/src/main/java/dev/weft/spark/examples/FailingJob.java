package dev.weft.spark.examples;

import dev.weft.spark.SparkJob;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Diagnostic job: runs one tiny Spark action, then throws {@code IllegalStateException(params.message)}. Checks
 * that a deployment reports a failing job's exception as the task's failure reason.
 */
public final class FailingJob implements SparkJob {
  @Override
  public void run(SparkSession spark, Map<String, String> params) {
    spark.range(3).count();
    throw new IllegalStateException(params.getOrDefault("message", "failing on purpose"));
  }
}
