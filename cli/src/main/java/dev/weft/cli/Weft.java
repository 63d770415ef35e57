package dev.weft.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.weft.spec.SpecException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The {@code weft} command. */
public final class Weft {
  static final int OK = 0;
  static final int RUN_FAILED = 1;
  static final int REJECTED = 2;
  static final int USAGE = 64;
  static final int NOT_FOUND = 3;
  static final int UNAVAILABLE = 69;
  static final int TIMED_OUT = 4;
  /** A service stopped on an error it cannot recover from (sysexits' EX_SOFTWARE): start it again. */
  static final int SERVICE_FAILED = 70;
  static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  static final String USAGE_TEXT = """
      Weft: an event-driven orchestrator for batch data pipelines on Apache Kafka.

      usage: weft COMMAND [ARGS]

        run FILE [--param k=v]... [--json] [--history URI] [--lineage DEST] [--retain-finished 7d]
                                                  run one pipeline on a throwaway embedded stack, print a summary
        dev [--data-dir D] [--port 9092] [--only broker,registry] [--history URI] [--lineage DEST]
            [--retain-finished 7d]
                                                  keep the embedded stack running (broker, registry, coordinator,
                                                  executors, UI at http://localhost:7070); --only broker,registry
                                                  for services run as their own processes
        submit FILE [--param k=v]... [--wait] [--json] [--run-id ID] [--idempotency-key K] [--timeout 1h]
                                                  publish a pipeline request; --wait follows it and prints a summary
        status RUN [--json] [--history URI]       the run's tasks and their states (from history when the
                                                  coordinator no longer holds the run)
        history [--pipeline P] [--since DATE] [--status S] [--limit N] [--before T] [--json] [--history URI]
                                                  finished runs, newest first, from the completion sink's history
        history RUN [--json] [--history URI]      one run from history, with every task and attempt
        lineage DATASET [--json] [--pipeline P] [--since DATE] [--history URI]
                                                  which attempts wrote or read a dataset (s3://bucket/key or a
                                                  path), from history
        cancel RUN [--task T] [--reason R]        cancel a run, or one task and what depends on it
        rerun RUN [--failed] [--from TASK]... [--task TASK]... [--wait] [--json] [--timeout 24h]
                                                  a new run of the same spec and params: --failed runs again what
                                                  did not succeed, --from a task and what is downstream of it,
                                                  --task just that task; the rest is carried over as SKIPPED
        backfill FILE --range P=FROM..TO [--step 1d] [--max-active-runs N] [--priority P] [--param k=v]...
                      [--json] [--detach]
                                                  one run per value of P (dates or whole numbers), at most N at
                                                  once, folded by the coordinator; shows progress; the same
                                                  command again resumes it and starts nothing twice
        backfill status|cancel ID [--json]        a backfill's progress and runs; or stop it
        replay [--application-id NEW] [--serve]   rebuild coordinator state from the topics; starts no work twice
        coordinator [--state-dir D] [--instance-id I] [--api-host H] [--advertised-host H] [--api-port P]
                    [--application-id A] [--threads N] [--standby-replicas N] [--replication-factor N]
                    [--commit-interval-ms N] [--topic-prefix P] [--retain-finished 7d]
                                                  run one coordinator instance (service; SIGTERM stops it);
                                                  a finished run leaves its stores --retain-finished after it
                                                  finished (7d, 12h, 30s or P7D; 0s keeps runs forever)
        executor NAME [--instance-id I] [--state-dir D] [--max-concurrent N] [--workdir W] [--cancel-grace 5s]
                      [--topic-prefix P] [--policy FILE]
                                                  run one executor instance (process, noop, container, spark,
                                                  batch [--job-queue Q]); --policy: what requests may ask for
                                                  (docs/executors/policy.md)
        sink [--history URI] [--lineage DEST] [--instance-id I] [--topic-prefix P]
                                                  run one completion sink instance (service): writes run history
                                                  to s3://bucket/prefix or a directory
        bench [--quick] [--json] [--rate 200,1000]  measure throughput, dispatch latency, a large run, replay and
                                                  the Kafka Streams limit on an embedded broker (docs/performance.md)

      Every command but run and dev talks to --bootstrap (WEFT_BOOTSTRAP, default localhost:9092),
      --registry (WEFT_REGISTRY, default http://localhost:8081/apis/ccompat/v7) and
      --api (WEFT_API, default http://localhost:7070). --history (WEFT_HISTORY) is s3://bucket/prefix or a
      directory, by default .weft/dev/history (weft dev's; weft run's is in its own data directory).
      --lineage (WEFT_LINEAGE) is where OpenLineage events go: http(s)://HOST:PORT, kafka://BOOTSTRAP/TOPIC, an
      OpenLineage config file (.yml), a file path, or off; by default the OpenLineage client's own configuration
      (OPENLINEAGE_URL, openlineage.yml, ...) if any, else .weft/dev/lineage/lineage.jsonl (weft dev's) or
      .weft/lineage/lineage.jsonl (weft run's and weft sink's).

      Exit codes: 0 succeeded, 1 run failed or cancelled, 2 request rejected, 3 no such run, 4 timed out,
      64 usage error, 69 Weft unreachable.
      """;

  private Weft() {}

  public static void main(String[] argv) {
    int code;
    try {
      code = run(Arrays.asList(argv), System.out, System.err);
    } catch (Throwable t) {
      // Whatever went wrong, never leave a half-stopped JVM behind with client threads still running.
      t.printStackTrace();
      code = UNAVAILABLE;
    }
    System.exit(code);
  }

  /** Runs one command; returns its exit code. Tests call this too. */
  public static int run(List<String> argv, PrintStream out, PrintStream err) {
    if (argv.isEmpty() || Set.of("help", "--help", "-h").contains(argv.get(0))) {
      out.print(USAGE_TEXT);
      return argv.isEmpty() ? USAGE : OK;
    }
    String command = argv.get(0);
    if (command.equals("bench")) {
      // The benchmark parses its own flags (--quick, --tiny), which the shared parser would take for options.
      try {
        return dev.weft.bench.BenchCommand.run(argv.subList(1, argv.size()), out, err);
      } catch (Exception e) {
        err.println("weft bench: " + e);
        return UNAVAILABLE;
      }
    }
    Args a = new Args(argv.subList(1, argv.size()), Set.of("wait", "json", "failed"));
    try {
      return switch (command) {
        case "run" -> RunCommand.run(a, out, err);
        case "dev" -> DevCommand.run(a, out, err);
        case "submit" -> SubmitCommand.run(a, out, err);
        case "status" -> StatusCommand.run(a, out, err);
        case "cancel" -> CancelCommand.run(a, out, err);
        case "rerun" -> RerunCommand.run(a, out, err);
        case "backfill" -> BackfillCommand.run(a, out, err);
        case "replay" -> ReplayCommand.run(a, out, err);
        case "coordinator" -> ServiceCommands.coordinator(a, out, err);
        case "executor" -> ServiceCommands.executor(a, out, err);
        case "sink" -> ServiceCommands.sink(a, out, err);
        case "history" -> HistoryCommand.run(a, out, err);
        case "lineage" -> LineageCommand.run(a, out, err);
        default -> throw new Args.UsageException("unknown command '" + command + "'");
      };
    } catch (Args.UsageException e) {
      err.println("weft " + command + ": " + e.getMessage());
      err.println("run `weft help` for usage");
      return USAGE;
    } catch (SpecException e) {
      err.println("weft " + command + ": the pipeline spec is invalid:");
      for (var p : e.problems()) err.println("  " + p);
      return REJECTED;
    } catch (IllegalStateException e) {
      err.println("weft " + command + ": " + e.getMessage());
      return UNAVAILABLE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNAVAILABLE;
    } catch (Exception e) {
      err.println("weft " + command + ": " + e);
      return UNAVAILABLE;
    }
  }
}
