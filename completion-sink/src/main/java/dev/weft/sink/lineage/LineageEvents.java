package dev.weft.sink.lineage;

import dev.weft.avro.RunEvent;
import dev.weft.avro.RunEventKind;
import dev.weft.avro.TaskStatus;
import io.openlineage.client.OpenLineage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Maps Weft's attempt run events to OpenLineage run events. One attempt is one OpenLineage run
 * ({@link LineageIds#attempt}) of the job {@code {pipeline}.{task}} in the configured namespace, with the Weft run as
 * its parent run (job {@code {pipeline}}). Its outputs are the task's output targets, its inputs its dependencies'
 * outputs and its declared {@code inputs:} ({@link DatasetName}).
 *
 * <table>
 *   <caption>Which event an attempt event becomes</caption>
 *   <tr><th>Weft</th><th>OpenLineage</th><th>why</th></tr>
 *   <tr><td>ATTEMPT_STARTED</td><td>START</td><td></td></tr>
 *   <tr><td>ATTEMPT_ENDED SUCCEEDED</td><td>COMPLETE</td><td></td></tr>
 *   <tr><td>ATTEMPT_ENDED FAILED, TIMED_OUT</td><td>FAIL, with the reason as errorMessage</td><td>also when it never
 *     started (its output could not be checked, its queue timed out): a failure is news to a lineage consumer</td></tr>
 *   <tr><td>ATTEMPT_ENDED CANCELLED</td><td>ABORT, if it started; nothing otherwise</td><td>OpenLineage's word for a run
 *     stopped before its end; one that never started read and wrote nothing</td></tr>
 *   <tr><td>ATTEMPT_ENDED SKIPPED</td><td>nothing</td><td>the output was already there: this attempt read and wrote
 *     nothing, and a COMPLETE naming the output would say it wrote it. The run that did write it said so</td></tr>
 *   <tr><td>any other kind</td><td>nothing</td><td></td></tr>
 * </table>
 *
 * <p>Everything in an event comes from the Weft event alone (times included), so mapping the same record twice gives
 * the same OpenLineage event.
 */
public final class LineageEvents {
  /** Who produced the events, as OpenLineage asks every event and facet to say. */
  public static final URI PRODUCER = URI.create("urn:weft:completion-sink");
  public static final String DEFAULT_NAMESPACE = "weft";
  /** The custom run facet with Weft's own ids, prefixed as OpenLineage asks of custom facets. */
  public static final String ATTEMPT_FACET = "weft_attempt";

  private final OpenLineage ol = new OpenLineage(PRODUCER);
  private final String namespace;
  private final Path baseDir;

  /**
   * @param namespace the jobs' namespace ({@link #DEFAULT_NAMESPACE} unless configured)
   * @param baseDir what relative local targets are resolved against ({@link DatasetName})
   */
  public LineageEvents(String namespace, Path baseDir) {
    this.namespace = namespace;
    this.baseDir = baseDir;
  }

  /** @return the OpenLineage event for this Weft event, or empty when it maps to none (see the table above) */
  public Optional<OpenLineage.RunEvent> of(RunEvent e) {
    OpenLineage.RunEvent.EventType type = typeOf(e);
    if (type == null) return Optional.empty();
    long atMs = type == OpenLineage.RunEvent.EventType.START
        ? (e.getStartedAtMs() > 0 ? e.getStartedAtMs() : e.getAtMs())
        : (e.getFinishedAtMs() > 0 ? e.getFinishedAtMs() : e.getAtMs());
    String pipeline = e.getPipeline();
    String task = e.getTaskId();
    OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder()
        .parent(ol.newParentRunFacet(ol.newParentRunFacetRun(LineageIds.run(e.getRunId()), null),
            ol.newParentRunFacetJob(namespace, pipeline, null), null))
        .put(ATTEMPT_FACET, attemptFacet(e));
    if (type == OpenLineage.RunEvent.EventType.FAIL && e.getReason() != null) {
      facets.errorMessage(ol.newErrorMessageRunFacet(e.getReason(), "none", null));
    }
    OpenLineage.Job job = ol.newJob(namespace, pipeline + "." + task, ol.newJobFacetsBuilder()
        .jobType(ol.newJobTypeJobFacet("BATCH", "WEFT", "TASK", null)).build());
    return Optional.of(ol.newRunEventBuilder()
        .eventType(type)
        .eventTime(ZonedDateTime.ofInstant(Instant.ofEpochMilli(atMs), ZoneOffset.UTC))
        .run(ol.newRun(LineageIds.attempt(e.getRunId(), task, e.getAttempt()), facets.build()))
        .job(job)
        .inputs(datasets(e.getInputs()).stream().map(d -> ol.newInputDataset(d.namespace(), d.name(), null, null)).toList())
        .outputs(datasets(e.getOutputs()).stream().map(d -> ol.newOutputDataset(d.namespace(), d.name(), null, null)).toList())
        .build());
  }

  private static OpenLineage.RunEvent.EventType typeOf(RunEvent e) {
    if (e.getKind() == RunEventKind.ATTEMPT_STARTED) return OpenLineage.RunEvent.EventType.START;
    if (e.getKind() != RunEventKind.ATTEMPT_ENDED || e.getTaskStatus() == null) return null;
    TaskStatus s = e.getTaskStatus();
    if (s == TaskStatus.SUCCEEDED) return OpenLineage.RunEvent.EventType.COMPLETE;
    if (s == TaskStatus.FAILED || s == TaskStatus.TIMED_OUT) return OpenLineage.RunEvent.EventType.FAIL;
    // The source is the executor instance that started the attempt: none means it never started.
    if (s == TaskStatus.CANCELLED && e.getSource() != null) return OpenLineage.RunEvent.EventType.ABORT;
    return null;
  }

  private OpenLineage.RunFacet attemptFacet(RunEvent e) {
    OpenLineage.DefaultRunFacet facet = new OpenLineage.DefaultRunFacet(PRODUCER);
    var p = facet.getAdditionalProperties();
    p.put("runId", e.getRunId());
    p.put("taskId", e.getTaskId());
    p.put("attempt", e.getAttempt());
    if (e.getExecutor() != null) p.put("executor", e.getExecutor());
    if (e.getSource() != null) p.put("source", e.getSource());
    if (e.getHandle() != null) p.put("handle", e.getHandle());
    if (e.getKind() == RunEventKind.ATTEMPT_ENDED) p.put("status", e.getTaskStatus().name());
    if (e.getExitCode() != null) p.put("exitCode", e.getExitCode());
    if (e.getTrackingUrl() != null) p.put("trackingUrl", e.getTrackingUrl());
    return facet;
  }

  /** Each target once, in order; one that is not a target (never, after validation) is left out rather than fail. */
  private List<DatasetName> datasets(List<? extends CharSequence> targets) {
    LinkedHashSet<DatasetName> out = new LinkedHashSet<>();
    for (CharSequence t : targets) {
      try {
        out.add(DatasetName.of(t.toString(), baseDir));
      } catch (IllegalArgumentException ignored) {
        // validated by the coordinator before it ran; nothing to name
      }
    }
    return new ArrayList<>(out);
  }
}
