package dev.weft.spark;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark job written as a plain Java class, run by {@link InlineJobRunner} inside a spark-submit driver. A task
 * names it with {@code spark: {job: com.example.MyJob, params: {...}}}; the executor submits the runner, which
 * builds the session, calls {@link #run} and stops the session.
 *
 * <p>Implementations need a public no-argument constructor.
 */
public interface SparkJob {
  /**
   * Runs the job. Throwing fails the attempt: the driver exits non-zero and the exception's line becomes the
   * task's failure reason.
   *
   * @param spark the session, configured by spark-submit (master, conf); do not stop it
   * @param params the task's {@code params} after parameter substitution, plus {@code weft.runId},
   *     {@code weft.taskId}, {@code weft.attempt} and {@code weft.pipeline}
   */
  void run(SparkSession spark, Map<String, String> params) throws Exception;
}
