package dev.weft.coordinator;

import dev.weft.coordinator.topology.CatchUp;
import dev.weft.coordinator.topology.CoordinatorOptions;
import dev.weft.serde.WeftSerdes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Rebuilds coordinator state by folding the input topics from the beginning into empty stores, under a new
 * application id, without starting any work twice.
 *
 * <p>While the new coordinator folds input that the old one had already folded, it publishes nothing: those
 * commands and events are in the log already. The boundary is the old application's committed offsets, not the
 * end of the topics, so input the old coordinator never got to (it crashed, or was stopped mid-run) is decided and
 * published normally. Past the boundary the new coordinator simply runs: timers restored from the fold fire, live
 * attempts are watched by their timeouts and heartbeats, and dispatched work goes on. Stop the old coordinator
 * before replaying, or both would fire the same timers.
 *
 * <p>It runs in two phases under the same application id and state directory. While catching up, the coordinator
 * commits every {@link #CATCH_UP_COMMIT_INTERVAL_MS}: its stores write each changed key once per commit, so a long
 * interval folds a backlog much faster (the commit interval bounds only how soon commands become visible, and
 * nearly nothing is published while catching up). Once caught up it closes cleanly and starts again with the
 * configured interval, and timers start firing.
 */
public final class CoordinatorReplay {
  /** The commit interval while catching up; see the class comment. */
  public static final long CATCH_UP_COMMIT_INTERVAL_MS = 1_000;

  private CoordinatorReplay() {}

  /** What a replay did, for its report. */
  public record Result(Coordinator coordinator, long records, Duration took) {}

  /**
   * Starts a coordinator under {@code config.applicationId()} (which must be new) and waits until it has folded
   * every input record that existed when the replay started.
   *
   * @param previousApplicationId the application whose committed offsets mark what was already published; when it
   *     has none, the current end of the topics is used
   * @param progress called about once a second with (records folded, records to fold)
   */
  public static Result replay(CoordinatorConfig config, WeftSerdes serdes, String previousApplicationId,
      Duration timeout, ProgressListener progress) throws InterruptedException {
    long t0 = System.nanoTime();
    Map<TopicPartition, Long> ends;
    Map<TopicPartition, Long> boundary;
    try (Admin admin = Admin.create(adminProps(config))) {
      ends = endOffsets(admin, List.of(config.topics().requests(), config.topics().taskEvents()));
      boundary = committedOffsets(admin, previousApplicationId, ends);
    }
    long total = ends.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Long> boundaries = new HashMap<>();
    boundary.forEach((tp, off) -> boundaries.put(tp.topic() + ":" + tp.partition(), off));
    CatchUp catchUp = CatchUp.until(boundaries);
    CoordinatorOptions options = config.options().withCatchUp(catchUp);
    Coordinator catchingUp = Coordinator.start(config.withOptions(options).withApiPort(-1)
        .withCommitIntervalMs(Math.max(config.commitIntervalMs(), CATCH_UP_COMMIT_INTERVAL_MS)), serdes, Duration.ofMinutes(5));
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(adminProps(config))) {
      while (true) {
        long folded = folded(admin, config.applicationId(), ends);
        progress.progress(Math.min(folded, total), total);
        if (folded >= total) break;
        if (System.nanoTime() > deadline) {
          catchingUp.close();
          throw new IllegalStateException("replay did not catch up within " + timeout + " (" + folded + " of " + total
              + " records folded)");
        }
        Thread.sleep(Math.min(1000, CATCH_UP_COMMIT_INTERVAL_MS));
      }
    } finally {
      // A clean close commits and checkpoints: the live coordinator starts from the same state without restoring.
      catchingUp.close();
    }
    catchUp.finish();
    Coordinator live = Coordinator.start(config.withOptions(options), serdes, Duration.ofMinutes(5));
    live.stats().add(catchingUp.stats());
    return new Result(live, total, Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Called with the records folded so far and the records to fold. */
  @FunctionalInterface
  public interface ProgressListener {
    void progress(long folded, long total);
  }

  /**
   * Input records an application has folded and committed, of those below {@code ends}: the sum over partitions
   * of its committed offset, capped at the partition's end.
   */
  public static long folded(Admin admin, String groupId, Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> committed = committedOffsets(admin, groupId, Map.of());
    long n = 0;
    for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
      n += Math.min(e.getValue(), committed.getOrDefault(e.getKey(), 0L));
    }
    return n;
  }

  static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics) {
    try {
      Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get();
      Map<TopicPartition, OffsetSpec> req = new HashMap<>();
      d.values().forEach(td -> td.partitions().forEach(p -> req.put(new TopicPartition(td.name(), p.partition()),
          OffsetSpec.latest())));
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(req).all().get();
      Map<TopicPartition, Long> out = new HashMap<>();
      r.forEach((tp, info) -> out.put(tp, info.offset()));
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the end offsets of " + topics + ": " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The group's committed offsets; partitions it never committed get {@code fallback}'s value (or are absent). */
  static Map<TopicPartition, Long> committedOffsets(Admin admin, String groupId, Map<TopicPartition, Long> fallback) {
    try {
      Map<TopicPartition, OffsetAndMetadata> c = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, Long> out = new HashMap<>(fallback);
      if (c != null && !c.isEmpty()) {
        out.clear();
        c.forEach((tp, om) -> {
          if (om != null) out.put(tp, om.offset());
        });
      }
      return out;
    } catch (ExecutionException e) {
      return new HashMap<>(fallback);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Properties adminProps(CoordinatorConfig config) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.putAll(config.clientProperties());
    return p;
  }

  /** Convenience for callers that only print progress. */
  public static ProgressListener printing(Consumer<String> out) {
    long[] last = {-1};
    return (folded, total) -> {
      if (folded != last[0]) {
        out.accept(String.format("replay: %d / %d records folded (%.0f%%)", folded, total,
            total == 0 ? 100.0 : 100.0 * folded / total));
        last[0] = folded;
      }
    };
  }
}
