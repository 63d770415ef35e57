package dev.weft.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;

/**
 * The CPU time a Kafka Streams application's stream threads have used, from the JVM's per-thread clocks.
 *
 * <p>Why: on this machine the wall-clock figures move by half between runs of the same code (the two virtual CPUs'
 * speed varies through the day, and the broker shares them), so a change to what the fold costs hides in them. The
 * stream thread's CPU time per task moves far less, and it is what a change to the fold changes (2026-12-04).
 */
final class StreamThreadCpu {
  private StreamThreadCpu() {}

  /** Nanoseconds of CPU used so far by the stream threads of {@code streams}, which must be running. */
  static long nanos(KafkaStreams streams) {
    Set<String> names = streams.metadataForLocalThreads().stream().map(ThreadMetadata::threadName)
        .collect(Collectors.toSet());
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.dumpAllThreads(false, false)) {
      if (names.contains(t.getThreadName())) sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
    }
    return sum;
  }
}
