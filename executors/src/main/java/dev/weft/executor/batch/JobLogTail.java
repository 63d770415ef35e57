package dev.weft.executor.batch;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.batch.model.JobDetail;
import software.amazon.awssdk.services.batch.model.LogConfiguration;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.model.GetLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.OutputLogEvent;

/**
 * The end of a job's output, read from CloudWatch Logs, where Batch's {@code awslogs} driver sends a container's
 * stdout and stderr. Capped like the other executors' tails (lines and characters), since it goes into task events.
 * One {@code GetLogEvents} from the end of the stream; a log that cannot be read gives an empty tail, never a
 * failed attempt.
 */
final class JobLogTail {
  static final String DEFAULT_GROUP = "/aws/batch/job";
  static final int MAX_LINES = 400;
  static final int MAX_CHARS = 8 * 1024;

  /** The tail and its last non-blank line (for a failure's reason). */
  record Tail(String text, String lastLine) {
    static final Tail EMPTY = new Tail("", "");
  }

  private final CloudWatchLogsClient logs;

  JobLogTail(CloudWatchLogsClient logs) {
    this.logs = logs;
  }

  /** @throws RuntimeException from the SDK when the log cannot be read */
  Tail read(JobDetail job) {
    String stream = BatchJobStatus.logStreamOf(job);
    if (stream == null) return Tail.EMPTY;
    GetLogEventsResponse r = logs.getLogEvents(b -> b.logGroupName(groupOf(job)).logStreamName(stream)
        .startFromHead(false).limit(MAX_LINES));
    return of(r.events());
  }

  static Tail of(List<OutputLogEvent> events) {
    StringBuilder all = new StringBuilder();
    String last = "";
    for (OutputLogEvent e : events) {
      String m = e.message() == null ? "" : e.message();
      all.append(m).append('\n');
      if (!m.isBlank()) last = m.strip();
    }
    String text = all.length() <= MAX_CHARS ? all.toString() : all.substring(all.length() - MAX_CHARS);
    return new Tail(text, last);
  }

  /** The definition's {@code awslogs-group} when it names one, else Batch's default group. */
  static String groupOf(JobDetail job) {
    LogConfiguration c = job.container() == null ? null : job.container().logConfiguration();
    Map<String, String> options = c == null ? null : c.options();
    String group = options == null ? null : options.get("awslogs-group");
    return group == null || group.isBlank() ? DEFAULT_GROUP : group;
  }
}
