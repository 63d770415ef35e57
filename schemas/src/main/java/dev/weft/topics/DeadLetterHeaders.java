package dev.weft.topics;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter contract, one for every writer (coordinator, executors) and every reader (tests, operators' tools):
 * a dead-letter record keeps the original key and value bytes, and says why and where from in these headers. Kept
 * here beside {@link Topics}, as Kafka keeps its record headers in one place, so that no writer invents its own names.
 */
public final class DeadLetterHeaders {
  /** Why the record could not be processed: what failed and what to do, in UTF-8, at most {@link #MAX_REASON_BYTES}. */
  public static final String REASON = "weft.dlq.reason";
  /** The topic, partition and offset of the original record (decimal strings). */
  public static final String SOURCE_TOPIC = "weft.dlq.source.topic";
  public static final String SOURCE_PARTITION = "weft.dlq.source.partition";
  public static final String SOURCE_OFFSET = "weft.dlq.source.offset";
  /** Who dead-lettered it: {@code coordinator} or {@code executor/<name>/<instance>}. */
  public static final String REPORTER = "weft.dlq.reporter";
  /** Headers are not the place for a novel: a reason stays readable in any tool. */
  public static final int MAX_REASON_BYTES = 4096;

  private DeadLetterHeaders() {}

  /**
   * The headers of one dead-letter record. The original record's own headers are kept before them, so a tracing id
   * survives.
   *
   * @param original the original record's headers, or null
   * @param partition the source partition, or -1 when unknown
   * @param offset the source offset, or -1 when unknown
   */
  public static Headers of(Headers original, String reason, String topic, int partition, long offset, String reporter) {
    Headers h = new RecordHeaders();
    if (original != null) for (Header x : original) h.add(x);
    h.add(REASON, cap(reason).getBytes(StandardCharsets.UTF_8));
    if (topic != null) h.add(SOURCE_TOPIC, topic.getBytes(StandardCharsets.UTF_8));
    if (partition >= 0) h.add(SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
    if (offset >= 0) h.add(SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
    h.add(REPORTER, reporter.getBytes(StandardCharsets.UTF_8));
    return h;
  }

  /** The value of header {@code name} as text, or null when absent. */
  public static String text(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  /** The reason cut to {@link #MAX_REASON_BYTES} UTF-8 bytes at a character boundary, marked with "…" when cut. */
  static String cap(String reason) {
    String r = reason == null ? "(no reason given)" : reason;
    if (r.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) return r;
    int budget = MAX_REASON_BYTES - "…".getBytes(StandardCharsets.UTF_8).length;
    int bytes = 0;
    int end = 0;
    while (end < r.length()) {
      int cp = r.codePointAt(end);
      int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + len > budget) break;
      bytes += len;
      end += Character.charCount(cp);
    }
    return r.substring(0, end) + "…";
  }
}
