package dev.weft.sink.lineage;

import dev.weft.avro.RunEvent;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the OpenLineage event of each attempt run event ({@link LineageEvents}) through the OpenLineage client.
 *
 * <p><b>What is guaranteed.</b> The completion sink calls {@link #emit} for a record after writing its history and
 * before committing its offset, and reads the record again when this throws. So every event reaches the transport
 * <i>at least once</i>: a record read again after a crash between the send and the commit is sent again, and a send
 * whose answer was lost (an HTTP timeout) is retried. A repeated event is the same event: the same run id (derived
 * from the attempt, {@link LineageIds}), event type and event time, so consumers dedupe on (runId, eventType), as
 * Marquez does by keeping one run per id. The file transport appends, so a repeat is a repeated line there.
 */
public final class LineageEmitter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LineageEmitter.class);

  private final OpenLineageClient client;
  private final LineageEvents events;
  private final String description;

  /**
   * The emitter for {@code --lineage} ({@link LineageDestinations}), its jobs in the namespace {@code
   * OPENLINEAGE_NAMESPACE} names (the variable OpenLineage's integrations read) or {@value LineageEvents#DEFAULT_NAMESPACE}.
   *
   * @param baseDir what relative local targets resolve against: the executors' working directory
   * @return null when lineage is {@code off}
   * @throws IllegalArgumentException when {@code given} is not a destination
   */
  public static LineageEmitter open(String given, Path defaultFile, Path baseDir) {
    LineageDestinations.Destination d = LineageDestinations.open(given, defaultFile);
    if (d == null) return null;
    String ns = System.getenv("OPENLINEAGE_NAMESPACE");
    return new LineageEmitter(d, new LineageEvents(ns == null || ns.isBlank() ? LineageEvents.DEFAULT_NAMESPACE : ns,
        baseDir));
  }

  public LineageEmitter(LineageDestinations.Destination destination, LineageEvents events) {
    this.client = destination.client();
    this.description = destination.description();
    this.events = events;
  }

  /**
   * @throws LineageException when the transport did not take the event; the caller sends it again later
   */
  public void emit(RunEvent event) {
    Optional<OpenLineage.RunEvent> lineage = events.of(event);
    if (lineage.isEmpty()) return;
    try {
      client.emit(lineage.get());
    } catch (RuntimeException e) {
      throw new LineageException("sending the " + lineage.get().getEventType() + " lineage event of attempt "
          + event.getRunId() + "/" + event.getTaskId() + "/" + event.getAttempt() + " to " + description + " failed: "
          + e.getMessage(), e);
    }
  }

  /** Where events go, for the log and the CLI. */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("closing the OpenLineage client ({}): {}", description, e.toString());
    }
  }

  /** A lineage event the transport did not take. */
  public static final class LineageException extends RuntimeException {
    public LineageException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
