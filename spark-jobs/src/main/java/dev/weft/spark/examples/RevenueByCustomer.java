package dev.weft.spark.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import dev.weft.spark.SparkJob;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Example inline job: sums {@code amount} per {@code customer} of a CSV with a header and writes one CSV file
 * (with header, ordered by customer) into the directory {@code output}, replacing it.
 *
 * <p>Params: {@code input} (CSV path or glob), {@code output} (directory).
 */
public final class RevenueByCustomer implements SparkJob {
  @Override
  public void run(SparkSession spark, Map<String, String> params) {
    String input = required(params, "input");
    String output = required(params, "output");
    spark.read().option("header", "true").csv(input)
        // Decimal, not double: money sums must not pick up binary rounding.
        .groupBy(col("customer"))
        .agg(sum(col("amount").cast("decimal(18,2)")).alias("revenue"))
        .orderBy(col("customer"))
        .coalesce(1)
        .write().mode("overwrite").option("header", "true").csv(output);
  }

  static String required(Map<String, String> params, String name) {
    String value = params.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("missing param '" + name + "'; give it in the task's spark.params");
    }
    return value;
  }
}
