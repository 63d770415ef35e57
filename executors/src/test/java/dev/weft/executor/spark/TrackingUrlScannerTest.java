package dev.weft.executor.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.executor.spark.TrackingUrlScanner.Failure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lines copied from real spark-submit runs (Spark 3.5.9 local mode), plus the YARN and older-Spark formats. */
class TrackingUrlScannerTest {
  @Test
  void shouldReportUiUrlOnlyOnceTheUiIsBound() {
    List<String> urls = scanAll(
        "26/11/23 10:33:26 INFO SparkEnv: Registering OutputCommitCoordinator",
        "26/11/23 10:33:26 INFO JettyUtils: Start Jetty 127.0.0.1:4040 for SparkUI",
        "26/11/23 10:33:27 INFO Utils: Successfully started service 'SparkUI' on port 4040.",
        "26/11/23 10:33:42 INFO SparkUI: Stopped Spark web UI at http://127.0.0.1:4040");

    assertThat(urls).containsExactly("http://127.0.0.1:4040");
  }

  @Test
  void shouldReportThePortTheUiMovedToWhenTheFirstWasBusy() {
    List<String> urls = scanAll(
        "26/11/23 10:39:07 INFO JettyUtils: Start Jetty 127.0.0.1:4040 for SparkUI",
        "26/11/23 10:39:07 WARN Utils: Service 'SparkUI' could not bind on port 4040. Attempting port 4041.",
        "26/11/23 10:39:07 INFO Utils: Successfully started service 'SparkUI' on port 4041.");

    assertThat(urls).containsExactly("http://127.0.0.1:4041");
  }

  @Test
  void shouldNotTakeOtherServicesForTheUi() {
    assertThat(scanAll(
        "26/11/23 10:33:26 INFO Utils: Successfully started service 'sparkDriver' on port 43709.",
        "26/11/23 10:33:27 INFO Utils: Successfully started service "
            + "'org.apache.spark.network.netty.NettyBlockTransferService' on port 34749.",
        // The UI's port without the host line before it is not enough for a URL.
        "26/11/23 10:33:27 INFO Utils: Successfully started service 'SparkUI' on port 4040."))
        .isEmpty();
  }

  @Test
  void shouldReportYarnAndOlderSparkUrls() {
    assertThat(scanAll("\t tracking URL: http://rm.example.com:8088/proxy/application_1795430007223_0001/"))
        .containsExactly("http://rm.example.com:8088/proxy/application_1795430007223_0001/");
    assertThat(scanAll("24/01/05 12:00:01 INFO SparkUI: Bound SparkUI to 0.0.0.0, and started at http://10.0.0.5:4040"))
        .containsExactly("http://10.0.0.5:4040");
  }

  @Test
  void shouldFindApplicationIdsOfEveryMaster() {
    assertThat(TrackingUrlScanner.applicationId("weft-spark: application id local-1795430007223"))
        .contains("local-1795430007223");
    assertThat(TrackingUrlScanner.applicationId("INFO Client: Submitted application application_1795430007223_0001"))
        .contains("application_1795430007223_0001");
    assertThat(TrackingUrlScanner.applicationId(
        "INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID app-20261123103325-0000"))
        .contains("app-20261123103325-0000");
    // A timestamp or a block manager directory is not an application id.
    assertThat(TrackingUrlScanner.applicationId("26/11/23 10:33:27 INFO SparkContext: Added JAR file:/w/j.jar at "
        + "spark://127.0.0.1:43709/jars/j.jar with timestamp 1795430005462")).isEmpty();
    assertThat(TrackingUrlScanner.applicationId("INFO DiskBlockManager: Created local directory at "
        + "/tmp/blockmgr-7cd2c8f3-30cf-4085-95ae-1cc03c2ee6b2")).isEmpty();
  }

  @Test
  void shouldTellFatalExceptionLinesFromOtherOnes() {
    assertThat(TrackingUrlScanner.failure("Exception in thread \"main\" java.lang.IllegalStateException: bad input"))
        .contains(new Failure("java.lang.IllegalStateException: bad input", true));
    assertThat(TrackingUrlScanner.failure("Error: Failed to load class com.example.Missing."))
        .contains(new Failure("spark-submit: Failed to load class com.example.Missing.", true));
    assertThat(TrackingUrlScanner.failure("org.apache.spark.SparkException: Job aborted due to stage failure"))
        .contains(new Failure("org.apache.spark.SparkException: Job aborted due to stage failure", false));
    assertThat(TrackingUrlScanner.failure("Caused by: java.io.FileNotFoundException: /data/in.csv"))
        .contains(new Failure("java.io.FileNotFoundException: /data/in.csv", false));
    assertThat(TrackingUrlScanner.failure("\tat dev.weft.spark.examples.FailingJob.run(FailingJob.java:15)")).isEmpty();
    assertThat(TrackingUrlScanner.failure("26/11/23 10:33:25 WARN NativeCodeLoader: Unable to load native-hadoop "
        + "library for your platform... using builtin-java classes where applicable")).isEmpty();
  }

  private static List<String> scanAll(String... lines) {
    TrackingUrlScanner scanner = new TrackingUrlScanner();
    List<String> urls = new ArrayList<>();
    for (String line : lines) scanner.trackingUrl(line).ifPresent(urls::add);
    return urls;
  }
}
